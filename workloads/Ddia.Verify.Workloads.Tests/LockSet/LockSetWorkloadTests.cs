using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.LockSet;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Workloads.Tests.LockSet;

/// <summary>The lock-set workload in virtual time: only adds in the main phase, reads at the end, and a
/// read-modify-write whose overlapping adds overwrite each other shows up as lost elements.</summary>
public sealed class LockSetWorkloadTests
{
    [Fact]
    public void Create_EmitsOnlyAddsOfUniqueElements_AndFinalReads()
    {
        var workload = LockSetWorkload.Create(new LockSetOptions { FinalReads = 2 });
        var history = Sim.Run(Gen.Limit(300, workload.Generator), concurrency: 4);

        var adds = history.Invocations().Select(o => (o.F, o.Value.AsLong)).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(e => (SetOps.Add, (long)e)), adds.OrderBy(a => a.Item2));
        Assert.Equal([SetOps.Read, SetOps.Read], Sim.Run(workload.Final!, concurrency: 3).Invocations().Select(o => o.F));
        Assert.Throws<ValidationException>(() => LockSetWorkload.Create(new LockSetOptions { FinalReads = 0 }));
    }

    [Theory]
    [InlineData(false, Validity.Valid)]
    [InlineData(true, Validity.Invalid)]
    public void Checker_FindsTheAddsThatConcurrentReadModifyWritesLost(bool overlapping, Validity expected)
    {
        var workload = LockSetWorkload.Create();
        var gen = Gen.Phases(Gen.Limit(400, workload.Generator), Gen.Sleep(TimeSpan.FromMilliseconds(50)), workload.Final!);
        var history = Sim.Run(gen, concurrency: 4, seed: 5, ReadModifyWrite(overlapping)).AsHistory();

        var result = workload.Checker.Check(history, new CheckOptions());

        Assert.Equal(expected, result.Validity);
        var lost = Assert.IsType<SetResult>(result.Detail).Counts[SetOutcome.Lost];
        if (overlapping) Assert.Contains(result.Anomalies, a => a.Kind == InvariantAnomalies.Lost);
        else Assert.Equal(0, lost);
    }

    /// <summary>
    /// A set stored as one value. Each add reads it and writes it back with its element; with a lock that excludes the
    /// write follows the read at once, without one (<paramref name="overlapping"/>) every fifth add writes back what it
    /// read one add earlier, overwriting the add in between.
    /// </summary>
    private static Completer ReadModifyWrite(bool overlapping)
    {
        var set = new List<long>();
        List<long> previous = [];
        var adds = 0;
        return (op, random) =>
        {
            var latency = 1_000_000 + random.NextInt64(2_000_000);
            if (op.F == SetOps.Read) return (op with { Type = OpType.Ok, Value = SetOps.ReadValue(set) }, latency);
            var read = overlapping && ++adds % 5 == 0 ? previous : [.. set];
            previous = [.. set];
            set = [.. read, op.Value.AsLong];
            return (op with { Type = OpType.Ok }, latency);
        };
    }
}
