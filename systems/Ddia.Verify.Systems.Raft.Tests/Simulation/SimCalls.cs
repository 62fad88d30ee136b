using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>One client call at a time, for scripted scenarios: send, then run the simulation until it is answered.</summary>
internal static class SimCalls
{
    /// <summary>The answer, or null when the node was down; <paramref name="answered"/> false when none came in time.</summary>
    public static ClientResponse? Call(this SimCluster cluster, int node, Action<SimNode, RaftNode, long> invoke, out bool answered, long timeoutMs = 2_000)
    {
        ClientResponse? got = null;
        var done = false;
        cluster.Request(node, invoke, r =>
        {
            got = r;
            done = true;
        });
        answered = cluster.RunUntil(() => done, cluster.Now + timeoutMs);
        return got;
    }

    /// <summary>A call that must be answered with <see cref="ResponseStatus.Completed"/>; returns its result.</summary>
    public static CommandResult Completed(this SimCluster cluster, int node, Action<SimNode, RaftNode, long> invoke)
    {
        var response = cluster.Call(node, invoke, out var answered);
        Assert.True(answered, $"{cluster}: no answer from node {node}");
        Assert.True(response is { Status: ResponseStatus.Completed }, $"{cluster}: node {node} answered {response}");
        return response.Result!;
    }

    public static CommandResult Propose(this SimCluster cluster, int node, Command command) =>
        cluster.Completed(node, (_, raft, id) => raft.Propose(id, command));

    public static CommandResult Read(this SimCluster cluster, int node, string key) =>
        cluster.Completed(node, (n, raft, id) => raft.Read(id, key, cluster.Wall(n)));

    /// <summary>Runs until every live node follows the same leader; returns it.</summary>
    public static int WaitForLeader(this SimCluster cluster, long timeoutMs = 3_000)
    {
        Assert.True(cluster.RunUntil(() => cluster.StableLeader() is not null, cluster.Now + timeoutMs), $"{cluster}: no leader");
        return cluster.StableLeader()!.Value;
    }
}
