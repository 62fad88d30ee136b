using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.Workloads.Lock;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Tests.Raft;

/// <summary>The workloads' generators, the Raft clients and the workloads' checkers together, against real processes.</summary>
[Trait("Category", "Process")]
[Collection("raft processes")]
public sealed class RaftWorkloadTests
{
    private static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task RegisterWorkload_OnIndependentKeys_IsLinearizable()
    {
        await using var cluster = await RaftTestCluster.StartAsync();
        await cluster.LeaderAsync();
        var workload = RegisterWorkload.IndependentKeys(new RegisterOptions { KeyCount = 3, OpsPerKey = 25, ThreadsPerKey = 3 });

        var history = await RealTimeRunner.RunAsync(cluster.Test, new RaftRegisterClient(cluster.ClientOptions),
            Gen.Stagger(TimeSpan.FromMilliseconds(5), workload.Generator), concurrency: 3, OpTimeout);

        Assert.Equal(75, history.Count(o => o.IsInvoke));
        Assert.True(history.Count(o => o.Type == OpType.Ok) > 30, string.Join("\n", history));
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.True(result.Validity == Validity.Valid, $"{result.Validity}: {string.Join("; ", result.Anomalies.Select(a => a.Explanation))}");
    }

    [Fact]
    public async Task LockWorkload_WithFencing_KeepsFencedWritesInTokenOrder()
    {
        await using var cluster = await RaftTestCluster.StartAsync(fencing: true);
        await cluster.LeaderAsync();
        var workload = LockWorkload.Create(new LockOptions { LeaseMs = 150, StallProbability = 0.5 });

        var history = await RealTimeRunner.RunAsync(cluster.Test, new RaftLockClient(cluster.ClientOptions),
            Gen.Limit(45, Gen.Stagger(TimeSpan.FromMilliseconds(10), workload.Generator)), concurrency: 3, OpTimeout);

        Assert.Contains(history, o => o.F == LockOps.Write && o.Type == OpType.Ok);
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.True(result.Validity == Validity.Valid, $"{result.Validity}: {string.Join("; ", result.Anomalies.Select(a => a.Explanation))}");
    }

    [Fact]
    public async Task LockWorkload_WithoutFencing_IsCaught_WhenAPausedHoldersWriteLandsLate()
    {
        await using var cluster = await RaftTestCluster.StartAsync(fencing: false);
        await cluster.LeaderAsync();
        var workload = LockWorkload.Create(new LockOptions { LeaseMs = 150, StallProbability = 0.5 });

        var history = await RealTimeRunner.RunAsync(cluster.Test, new RaftLockClient(cluster.ClientOptions),
            Gen.Limit(90, Gen.Stagger(TimeSpan.FromMilliseconds(10), workload.Generator)), concurrency: 3, OpTimeout);

        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Contains(result.Anomalies, a => a.Explanation.Contains("after stalling 450 ms", StringComparison.Ordinal));
    }
}
