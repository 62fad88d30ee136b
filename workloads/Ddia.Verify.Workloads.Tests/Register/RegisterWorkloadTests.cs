using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Workloads.Tests.Register;

public sealed class RegisterWorkloadTests
{
    [Fact]
    public void SingleKey_EmitsReadWriteAndCas_InTheCheckersShapes()
    {
        var history = Sim.Run(Gen.Limit(600, RegisterWorkload.SingleKey().Generator), concurrency: 3);

        var invocations = history.Invocations();
        Assert.Equal(600, invocations.Count);
        Assert.All(invocations, o => Assert.Null(o.Key));
        Assert.All(invocations.Invocations(RegisterOps.Read), o => Assert.True(o.Value.IsNil));
        Assert.All(invocations.Invocations(RegisterOps.Write), o => Assert.InRange(o.Value.AsLong, 0, 4));
        Assert.All(invocations.Invocations(RegisterOps.Cas), o =>
        {
            var (from, to) = RegisterOps.CasParts(o.Value);
            Assert.InRange(from.AsLong, 0, 4);
            Assert.InRange(to.AsLong, 0, 4);
        });
        Assert.All([RegisterOps.Read, RegisterOps.Write, RegisterOps.Cas], f => Assert.InRange(invocations.Invocations(f).Count, 150, 250));
    }

    [Fact]
    public void IndependentKeys_GiveEachKeyABoundedNumberOfOps_AndRunKeysConcurrently()
    {
        var workload = RegisterWorkload.IndependentKeys(new RegisterOptions { KeyCount = 6, OpsPerKey = 10, ThreadsPerKey = 2 });

        var history = Sim.Run(workload.Generator, concurrency: 4, complete: Completers.Random(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(9)));

        var byKey = history.Invocations().GroupBy(o => o.Key!.AsLong).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, 6).Select(k => (long)k), byKey.Keys.Order());
        Assert.All(byKey.Values, n => Assert.Equal(10, n));
        var maxKeysAtOnce = 0;
        var open = new Dictionary<int, long>();
        foreach (var op in history)
        {
            if (op.IsInvoke) open[op.Process] = op.Key!.AsLong;
            else open.Remove(op.Process);
            maxKeysAtOnce = Math.Max(maxKeysAtOnce, open.Values.Distinct().Count());
        }
        Assert.True(maxKeysAtOnce >= 2, "keys of different groups are in flight at the same time");
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void Checker_OnAnAtomicRegister_IsValid(ulong seed)
    {
        var workload = RegisterWorkload.IndependentKeys(new RegisterOptions { KeyCount = 4, OpsPerKey = 30 });

        var history = Sim.Run(workload.Generator, concurrency: 4, seed, AtomicRegister(stale: false)).AsHistory();

        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(Validity.Valid, result.Validity);
        Assert.Equal("linearizable", workload.Checker.Name);
    }

    [Fact]
    public void Checker_OnARegisterThatReadsStaleValues_IsInvalid()
    {
        var workload = RegisterWorkload.SingleKey(new RegisterOptions { CasWeight = 0 });

        var history = Sim.Run(Gen.Limit(200, workload.Generator), concurrency: 2, seed: 3, AtomicRegister(stale: true)).AsHistory();

        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Contains(result.Anomalies, a => a.Kind == "nonlinearizable");
    }

    [Fact]
    public void Checker_TreatsAFailedCasAsNotDone_AndAnAbsentRegisterAsNil()
    {
        Op Invoke(int p, string f, Value v) => new(0, 0, OpType.Invoke, p, f, v);
        Op[] ops =
        [
            Invoke(0, RegisterOps.Read, Value.Nil), Invoke(0, RegisterOps.Read, Value.Nil) with { Type = OpType.Ok },
            Invoke(0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(1), Value.Of(2))),
            Invoke(0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(1), Value.Of(2))) with { Type = OpType.Fail },
            Invoke(0, RegisterOps.Write, Value.Of(1)), Invoke(0, RegisterOps.Write, Value.Of(1)) with { Type = OpType.Ok },
            Invoke(0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(1), Value.Of(3))),
            Invoke(0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(1), Value.Of(3))) with { Type = OpType.Ok },
            Invoke(0, RegisterOps.Read, Value.Nil), Invoke(0, RegisterOps.Read, Value.Of(3)) with { Type = OpType.Ok },
        ];
        var history = ops.Select((o, i) => o with { Index = i, Time = i }).AsHistory();

        Assert.Equal(Validity.Valid, RegisterWorkload.Checker().Check(history, new CheckOptions()).Validity);
    }

    /// <summary>
    /// A register per key that takes effect when invoked (within the op's interval, so linearizable); with
    /// <paramref name="stale"/>, reads answer the value before the latest write instead.
    /// </summary>
    private static Completer AtomicRegister(bool stale)
    {
        var current = new Dictionary<Value, Value>();
        var previous = new Dictionary<Value, Value>();
        return (op, random) =>
        {
            var key = op.Key ?? Value.Nil;
            var now = current.GetValueOrDefault(key) ?? Value.Nil;
            Op done;
            switch (op.F)
            {
                case RegisterOps.Read:
                    done = op with { Type = OpType.Ok, Value = stale ? previous.GetValueOrDefault(key) ?? Value.Nil : now };
                    break;
                case RegisterOps.Write:
                    previous[key] = now;
                    current[key] = op.Value;
                    done = op with { Type = OpType.Ok };
                    break;
                default:
                    var (from, to) = RegisterOps.CasParts(op.Value);
                    if (now == from)
                    {
                        previous[key] = now;
                        current[key] = to;
                    }
                    done = op with { Type = now == from ? OpType.Ok : OpType.Fail };
                    break;
            }
            return (done, 1_000_000 + random.NextInt64(5_000_000));
        };
    }
}
