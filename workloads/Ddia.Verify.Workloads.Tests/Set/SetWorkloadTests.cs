using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Workloads.Tests.Set;

/// <summary>
/// The set workload in virtual time against small in-memory sets: an atomic one (valid), one that loses
/// acknowledged adds (lost), and one whose reads lag behind the adds like an asynchronous replica's (stale: invalid
/// for a linearizable set, valid for an eventually consistent one).
/// </summary>
public sealed class SetWorkloadTests
{
    [Fact]
    public void Create_EmitsAddsOfEveryElementOnce_AndReads_HalfAndHalf()
    {
        var history = Sim.Run(Gen.Limit(800, SetWorkload.Create().Generator), concurrency: 4);

        var invocations = history.Invocations();
        Assert.All(invocations, o => Assert.Null(o.Key));
        var adds = invocations.Invocations(SetOps.Add).Select(o => o.Value.AsLong).ToList();
        Assert.Equal(Enumerable.Range(0, adds.Count).Select(e => (long)e), adds.Order());
        Assert.All(invocations.Invocations(SetOps.Read), o => Assert.True(o.Value.IsNil));
        Assert.InRange(adds.Count, 320, 480);
    }

    [Fact]
    public void Final_ReadsTheSetAFewTimes()
    {
        var final = Sim.Run(SetWorkload.Create(new SetOptions { FinalReads = 2 }).Final!, concurrency: 3);

        Assert.Equal([SetOps.Read, SetOps.Read], final.Invocations().Select(o => o.F));
        Assert.Equal(3, Sim.Run(SetWorkload.Create().Final!, concurrency: 3).Invocations().Count);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ValidationException>(() => SetWorkload.Create(new SetOptions { Keys = 0 }));
        Assert.Throws<ValidationException>(() => SetWorkload.Create(new SetOptions { FinalReads = 0 }));
    }

    [Theory]
    [InlineData(0L, 4, 0)]
    [InlineData(7L, 4, 3)]
    [InlineData(9L, 1, 0)]
    [InlineData(-3L, 4, 1)]
    public void StorageKey_IsTheElementModuloTheKeys(long element, int keys, int expected) =>
        Assert.Equal(expected, SetOps.StorageKey(element, keys));

    [Fact]
    public void ReadValue_IsTheElementsAscending() =>
        Assert.Equal(Value.List(Value.Of(1), Value.Of(5), Value.Of(9)), SetOps.ReadValue([9, 1, 5]));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Checker_OnAnAtomicSet_IsValid(bool linearizable)
    {
        var workload = SetWorkload.Create(new SetOptions { Linearizable = linearizable });

        var result = Run(workload, InMemorySet(lagMs: 0, loseEvery: 0));

        Assert.Equal(Validity.Valid, result.Validity);
        Assert.Empty(result.Anomalies);
        Assert.True(Assert.IsType<SetResult>(result.Detail).Counts[SetOutcome.Ok] > 100);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Checker_OnASetThatLosesAcknowledgedAdds_IsInvalid(bool linearizable)
    {
        var workload = SetWorkload.Create(new SetOptions { Linearizable = linearizable });

        var result = Run(workload, InMemorySet(lagMs: 0, loseEvery: 10));

        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Contains(result.Anomalies, a => a.Kind == InvariantAnomalies.Lost);
    }

    [Theory]
    [InlineData(true, Validity.Invalid)]
    [InlineData(false, Validity.Valid)]
    public void Checker_OnASetWhoseReadsLag_FindsStaleReads_WhichOnlyALinearizableSetForbids(bool linearizable, Validity expected)
    {
        var workload = SetWorkload.Create(new SetOptions { Linearizable = linearizable });

        var result = Run(workload, InMemorySet(lagMs: 20, loseEvery: 0));

        Assert.Equal(expected, result.Validity);
        Assert.Equal(InvariantAnomalies.Stale, Assert.Single(result.Anomalies).Kind);
        Assert.Equal(0, Assert.IsType<SetResult>(result.Detail).Counts[SetOutcome.Lost]);
    }

    /// <summary>The main phase, a pause long enough for any lag to pass, then the final reads.</summary>
    private static CheckResult Run(Workload workload, Completer set)
    {
        var gen = Gen.Phases(Gen.Limit(500, workload.Generator), Gen.Sleep(TimeSpan.FromMilliseconds(100)), workload.Final!);
        var history = Sim.Run(gen, concurrency: 4, seed: 3, set).AsHistory();
        return workload.Checker.Check(history, new CheckOptions());
    }

    /// <summary>
    /// A set whose reads show the elements added at least <paramref name="lagMs"/> before (an asynchronous replica's
    /// view); with <paramref name="loseEvery"/> n, every n-th add is acknowledged but never stored.
    /// </summary>
    private static Completer InMemorySet(int lagMs, int loseEvery)
    {
        var added = new List<(long Element, long At)>();
        var adds = 0;
        return (op, random) =>
        {
            var latency = 1_000_000 + random.NextInt64(4_000_000);
            if (op.F == SetOps.Add)
            {
                if (loseEvery == 0 || ++adds % loseEvery != 0) added.Add((op.Value.AsLong, op.Time));
                return (op with { Type = OpType.Ok }, latency);
            }
            var seen = added.Where(a => a.At <= op.Time - lagMs * 1_000_000L).Select(a => a.Element);
            return (op with { Type = OpType.Ok, Value = SetOps.ReadValue(seen) }, latency);
        };
    }
}
