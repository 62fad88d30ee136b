using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Tests.Simulation;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>
/// The three read modes against the brute-force linearizability oracle. Log and ReadIndex reads stay linearizable
/// under every fault, clock skew included; lease reads stay linearizable while clocks are good, and go stale when
/// the old leader's wall clock is set back.
/// </summary>
public sealed class ReadModeTests
{
    [Theory]
    [InlineData(ReadMode.Log, FaultKinds.All, 3)]
    [InlineData(ReadMode.Log, FaultKinds.All, 5)]
    [InlineData(ReadMode.Index, FaultKinds.All, 3)]
    [InlineData(ReadMode.Index, FaultKinds.All, 5)]
    [InlineData(ReadMode.Lease, FaultKinds.Partition | FaultKinds.Crash | FaultKinds.Pause, 3)]
    [InlineData(ReadMode.Lease, FaultKinds.Partition | FaultKinds.Crash | FaultKinds.Pause, 5)]
    public void Reads_UnderFaults_AreLinearizable(ReadMode mode, FaultKinds faults, int size)
    {
        Seeds.Run(Seeds.Histories, seed =>
        {
            var run = Runs.Register(seed, size, mode, faults);
            var reads = run.Workload.History.Count(o => o is { Kind: OpKind.Read, Outcome: OpOutcome.Ok });
            // Some seeds keep the cluster unavailable for most of the run (a lost vote, then a paused voter): fine,
            // as long as there is something to check.
            Assert.True(reads >= 10, $"seed {seed}: only {reads} reads succeeded");
            var violation = RegisterOracle.FindViolation(run.Workload.History);
            Assert.True(violation is null, $"seed {seed}, {mode} reads: {violation}");
        });
    }

    [Fact]
    public void LeaseReads_UnderRandomClockSkew_GoStale()
    {
        // The same runs as above with the clock nemesis on: some seeds must produce a history the oracle rejects.
        // This is the behaviour the harness's lease campaign must find on real nodes.
        var stale = new System.Collections.Concurrent.ConcurrentBag<int>();
        Seeds.Run(Seeds.Histories, seed =>
        {
            var run = Runs.Register(seed, seed % 2 == 0 ? 3 : 5, ReadMode.Lease, FaultKinds.All);
            if (RegisterOracle.FindViolation(run.Workload.History) is not null) stale.Add(seed);
        });
        Assert.NotEmpty(stale);
    }

    /// <summary>
    /// The textbook failure, step by step: the leader is cut off; its wall clock is set back 10 s; the others elect
    /// a new leader that commits x = 2; a client that has seen that write complete then reads x from the old leader,
    /// whose lease still looks valid by its clock, and gets 1.
    /// </summary>
    [Fact]
    public void LeaseRead_OnOldLeaderWhoseClockWasSetBack_ReturnsTheOverwrittenValue()
    {
        var (cluster, old, read) = StaleLeaseScenario(clockOffsetMs: -10_000);
        Assert.Equal(ResponseStatus.Completed, read!.Status);
        Assert.Equal("1", read.Result!.Value);
        Assert.Equal("2", cluster.Nodes.First(n => n.Id != old).Raft!.ReadApplied("x"));
    }

    [Fact]
    public void LeaseRead_OnOldLeaderWithAGoodClock_IsNotServed()
    {
        // The same scenario with the clock left alone: the lease has run out, so the read falls back to ReadIndex,
        // which cannot reach a majority. Nothing stale comes back.
        var (_, _, read) = StaleLeaseScenario(clockOffsetMs: 0);
        Assert.Null(read);
    }

    [Fact]
    public void IndexRead_OnPartitionedOldLeader_WaitsAndThenFailsWhenItStepsDown()
    {
        var cluster = new SimCluster(21, 3, o => o with { ReadMode = ReadMode.Index }, NetworkProfile.Reliable);
        var old = cluster.WaitForLeader();
        cluster.Propose(old, new KvWrite("x", "1"));
        cluster.Isolate(old);
        ClientResponse? read = null;
        cluster.Request(old, (n, raft, id) => raft.Read(id, "x", cluster.Wall(n)), r => read = r);
        cluster.RunFor(1_500);
        Assert.Null(read);   // no majority confirms the round
        cluster.Heal();
        cluster.RunFor(500);
        Assert.Equal(ResponseStatus.NotLeader, read!.Status);
    }

    [Fact]
    public void Reads_OnAFollower_AnswerNotLeaderWithTheLeader()
    {
        var cluster = new SimCluster(4, 3, o => o with { ReadMode = ReadMode.Index });
        var leader = cluster.WaitForLeader();
        var follower = (leader + 1) % 3;
        var response = cluster.Call(follower, (n, raft, id) => raft.Read(id, "x", cluster.Wall(n)), out _);
        Assert.Equal(new ClientResponse(response!.RequestId, ResponseStatus.NotLeader, LeaderHint: leader), response);
    }

    private static (SimCluster Cluster, int OldLeader, ClientResponse? Read) StaleLeaseScenario(long clockOffsetMs)
    {
        var cluster = new SimCluster(17, 3, o => o with { ReadMode = ReadMode.Lease }, NetworkProfile.Reliable);
        var old = cluster.WaitForLeader();
        cluster.Propose(old, new KvWrite("x", "1"));
        cluster.RunFor(100);   // heartbeat rounds: the lease is established
        Assert.True(cluster.Nodes[old].Raft!.Status.LeaseExpiresWallMs > cluster.Wall(cluster.Nodes[old]));

        cluster.Isolate(old);
        cluster.SetClockOffset(old, clockOffsetMs);
        var others = cluster.Nodes.Where(n => n.Id != old).Select(n => n.Id).ToArray();
        Assert.True(cluster.RunUntil(() => others.Any(id => cluster.Nodes[id].Raft!.Status.Role == RaftRole.Leader), cluster.Now + 2_000));
        var next = others.First(id => cluster.Nodes[id].Raft!.Status.Role == RaftRole.Leader);
        cluster.Propose(next, new KvWrite("x", "2"));   // acknowledged: any later read must see 2

        var response = cluster.Call(old, (n, raft, id) => raft.Read(id, "x", cluster.Wall(n)), out var answered, timeoutMs: 500);
        Assert.Equal(RaftRole.Leader, cluster.Nodes[old].Raft!.Status.Role);   // it never heard of the new term
        return (cluster, old, answered ? response : null);
    }
}
