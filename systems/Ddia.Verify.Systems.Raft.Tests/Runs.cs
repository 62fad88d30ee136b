using Ddia.Verify.Systems.Raft.Tests.Simulation;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>The standard randomized run: clients on a register workload, a nemesis, then healing and settling,
/// with every invariant checked on the way and at the end.</summary>
internal static class Runs
{
    public const long FaultsUntilMs = 6_000;

    public sealed record Result(SimCluster Cluster, RegisterWorkload Workload);

    public static Result Register(int seed, int size, ReadMode mode, FaultKinds faults, NetworkProfile? network = null)
    {
        var cluster = new SimCluster(seed, size, o => o with { ReadMode = mode }, network);
        var workload = new RegisterWorkload(cluster);
        workload.Start(untilMs: FaultsUntilMs);
        RandomFaults.Schedule(cluster, faults, FaultsUntilMs);
        Settle(cluster, workload, FaultsUntilMs);
        return new Result(cluster, workload);
    }

    /// <summary>Runs to <paramref name="faultsUntilMs"/> checking log matching as it goes, heals everything, waits
    /// for a leader and for every node to apply the same prefix, then checks convergence.</summary>
    public static void Settle(SimCluster cluster, RegisterWorkload workload, long faultsUntilMs)
    {
        while (cluster.Now < faultsUntilMs)
        {
            cluster.RunFor(250);
            cluster.Invariants.CheckLogMatching();
        }
        cluster.HealAll();
        cluster.RunFor(1_000);   // the clients' last ops time out or finish
        cluster.WaitForLeader();
        var converged = cluster.RunUntil(
            () => cluster.Nodes.Select(n => n.Raft!.Status.LastApplied).Distinct().Count() == 1 && cluster.StableLeader() is not null,
            cluster.Now + 3_000);
        Assert.True(converged, $"{cluster}: nodes did not converge");
        workload.Finish();
        cluster.Invariants.CheckConverged();
    }
}
