using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Counter;

namespace Ddia.Verify.Workloads.Tests.Counter;

/// <summary>The counter workload in virtual time against an atomic in-memory counter and one that loses updates.</summary>
public sealed class CounterWorkloadTests
{
    [Fact]
    public void Create_EmitsAddsOfOne_AndReads_HalfAndHalf()
    {
        var history = Sim.Run(Gen.Limit(800, CounterWorkload.Create().Generator), concurrency: 4);

        var invocations = history.Invocations();
        Assert.All(invocations, o => Assert.Null(o.Key));
        Assert.All(invocations.Invocations(CounterOps.Add), o => Assert.Equal(1, o.Value.AsLong));
        Assert.All(invocations.Invocations(CounterOps.Read), o => Assert.True(o.Value.IsNil));
        Assert.InRange(invocations.Invocations(CounterOps.Add).Count, 320, 480);
        Assert.Equal(3, Sim.Run(CounterWorkload.Create().Final!, concurrency: 2).Invocations(CounterOps.Read).Count);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ValidationException>(() => CounterWorkload.Create(new CounterOptions { Key = "" }));
        Assert.Throws<ValidationException>(() => CounterWorkload.Create(new CounterOptions { FinalReads = 0 }));
    }

    [Theory]
    [InlineData(0, Validity.Valid)]
    [InlineData(5, Validity.Invalid)]
    public void Checker_OnAnAtomicCounter_IsValid_AndLostUpdatesAreCaught(int loseEvery, Validity expected)
    {
        var workload = CounterWorkload.Create();
        var gen = Gen.Phases(Gen.Limit(400, workload.Generator), workload.Final!);

        var history = Sim.Run(gen, concurrency: 4, seed: 7, InMemoryCounter(loseEvery)).AsHistory();

        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(expected, result.Validity);
        if (expected == Validity.Invalid) Assert.Contains(result.Anomalies, a => a.Kind == InvariantAnomalies.OutOfBounds);
    }

    /// <summary>A counter applied when each op is invoked; with <paramref name="loseEvery"/> n, every n-th add is
    /// acknowledged but lost (as a read-modify-write overwritten by a concurrent one would be).</summary>
    private static Completer InMemoryCounter(int loseEvery)
    {
        long value = 0, adds = 0;
        return (op, random) =>
        {
            var latency = 1_000_000 + random.NextInt64(4_000_000);
            if (op.F == CounterOps.Read) return (op with { Type = OpType.Ok, Value = Value.Of(value) }, latency);
            if (loseEvery == 0 || ++adds % loseEvery != 0) value += op.Value.AsLong;
            return (op with { Type = OpType.Ok }, latency);
        };
    }
}
