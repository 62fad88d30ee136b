using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Lock;

namespace Ddia.Verify.Workloads.Tests.Lock;

public sealed class LockWorkloadTests
{
    [Fact]
    public void EachProcess_CyclesAcquireWriteRelease()
    {
        var history = Sim.Run(Gen.Limit(300, LockWorkload.Create().Generator), concurrency: 3,
            complete: Completers.Random(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20)));

        foreach (var ops in history.Invocations().GroupBy(o => o.Process))
        {
            var fs = ops.Select(o => o.F).ToList();
            for (var i = 0; i < fs.Count; i++)
                Assert.Equal(new[] { LockOps.Acquire, LockOps.Write, LockOps.Release }[i % 3], fs[i]);
        }
        Assert.All(history.Invocations(LockOps.Acquire), o => Assert.Equal(1000, LockOps.Field(o.Value, "leaseMs")));
        var values = history.Invocations(LockOps.Write).Select(o => LockOps.Field(o.Value, "value")).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
    }

    [Fact]
    public void AFailedAcquire_IsTriedAgain_NeverFollowedByAWrite()
    {
        var history = Sim.Run(Gen.Limit(500, LockWorkload.Create().Generator), concurrency: 4,
            complete: Completers.Random(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20), failRate: 0.3, infoRate: 0.05));

        var lastAcquire = new Dictionary<int, OpType>();
        foreach (var op in history)
        {
            if (op.F == LockOps.Acquire && op.IsCompletion) lastAcquire[op.Process] = op.Type;
            if (op.F == LockOps.Write && op.IsInvoke) Assert.Equal(OpType.Ok, lastAcquire.GetValueOrDefault(op.Process, OpType.Invoke));
        }
        Assert.Contains(history, o => o.F == LockOps.Acquire && o.Type == OpType.Fail);
    }

    [Fact]
    public void Stalls_FollowTheSeed_AtTheConfiguredFraction_ThreeLeasesLong()
    {
        var options = new LockOptions { LeaseMs = 200, StallProbability = 0.25 };

        var stalls = Stalls(options, seed: 11);

        Assert.Equal(stalls, Stalls(options, seed: 11));
        Assert.NotEqual(stalls, Stalls(options, seed: 12));
        Assert.All(stalls, s => Assert.Contains(s, new long[] { 0, 600 }));
        Assert.InRange(stalls.Count(s => s > 0) / (double)stalls.Count, 0.2, 0.3);
    }

    [Fact]
    public void Stalls_NeverHappen_WhenTheProbabilityIsZero_AndTakeTheirLengthFromStallMs()
    {
        Assert.All(Stalls(new LockOptions { StallProbability = 0 }, seed: 1), s => Assert.Equal(0, s));
        Assert.All(Stalls(new LockOptions { StallProbability = 1, StallMs = 42 }, seed: 1), s => Assert.Equal(42, s));
    }

    /// <summary>The stall of every write, in the order the writes were emitted.</summary>
    private static List<long> Stalls(LockOptions options, ulong seed) =>
        [.. Sim.Run(Gen.Limit(3000, LockWorkload.Create(options).Generator), concurrency: 5, seed,
                Completers.Random(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(9)))
            .Invocations(LockOps.Write).OrderBy(o => LockOps.Field(o.Value, "value")).Select(o => LockOps.Field(o.Value, "stallMs")!.Value)];
}
