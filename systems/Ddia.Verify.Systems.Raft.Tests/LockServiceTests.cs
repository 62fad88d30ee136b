using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Tests.Simulation;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>DDIA §8, "The leader and the lock" and "Fencing tokens", played out on a replicated cluster.</summary>
public sealed class LockServiceTests
{
    private static (SimCluster Cluster, int Leader) Cluster(bool fencing)
    {
        var cluster = new SimCluster(31, 3, o => o with { Fencing = fencing }, NetworkProfile.Reliable);
        return (cluster, cluster.WaitForLeader());
    }

    private static long Wall(SimCluster cluster, int node) => cluster.Wall(cluster.Nodes[node]);

    /// <summary>
    /// Client A takes the lock (token 33 in the book) and writes; then it stops (a GC pause) for longer than its
    /// lease. B takes the lock (token 34) and writes. A wakes, still believing it holds the lock, and writes again.
    /// With fencing the storage refuses A's old token; without it, A's write lands over B's.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PausedHolder_WritingAfterItsLeaseExpired_IsFencedOffOnlyWithFencing(bool fencing)
    {
        var (cluster, leader) = Cluster(fencing);
        var a = cluster.Propose(leader, new AcquireLock("A", 300, Wall(cluster, leader)));
        Assert.True(cluster.Propose(leader, new FencedWrite(a.Token!.Value, "file", "A1")).Ok);

        cluster.RunFor(1_000);   // A is paused; its lease runs out
        var b = cluster.Propose(leader, new AcquireLock("B", 300, Wall(cluster, leader)));
        Assert.True(b.Ok);
        Assert.True(b.Token > a.Token);
        Assert.True(cluster.Propose(leader, new FencedWrite(b.Token!.Value, "file", "B1")).Ok);

        var late = cluster.Propose(leader, new FencedWrite(a.Token.Value, "file", "A2"));
        Assert.Equal(!fencing, late.Ok);
        Assert.Equal(fencing ? "B1" : "A2", cluster.Read(leader, "file").Value);
    }

    [Fact]
    public void SecondClient_CannotAcquireALiveLease_ButCanOnceReleased()
    {
        var (cluster, leader) = Cluster(fencing: true);
        var a = cluster.Propose(leader, new AcquireLock("A", 10_000, Wall(cluster, leader)));
        Assert.False(cluster.Propose(leader, new AcquireLock("B", 10_000, Wall(cluster, leader))).Ok);
        Assert.True(cluster.Propose(leader, new ReleaseLock("A", a.Token!.Value)).Ok);
        Assert.True(cluster.Propose(leader, new AcquireLock("B", 10_000, Wall(cluster, leader))).Ok);
        Assert.Equal("B", cluster.Nodes[leader].Raft!.LockHolder);
    }

    [Fact]
    public void LeaderClockJumpingAhead_HandsTheLockOverEarly_AndFencingStillKeepsWritesInOrder()
    {
        // The lease is judged by the accepting node's wall clock. Push it 60 s ahead and A's 30 s lease, taken a
        // moment ago, is over: two clients now believe they hold the lock. The tokens still order their writes.
        var (cluster, leader) = Cluster(fencing: true);
        var a = cluster.Propose(leader, new AcquireLock("A", 30_000, Wall(cluster, leader)));
        cluster.SetClockOffset(leader, 60_000);
        var b = cluster.Propose(leader, new AcquireLock("B", 30_000, Wall(cluster, leader)));
        Assert.True(b.Ok);
        Assert.True(cluster.Propose(leader, new FencedWrite(b.Token!.Value, "file", "B1")).Ok);
        Assert.False(cluster.Propose(leader, new FencedWrite(a.Token!.Value, "file", "A1")).Ok);
    }

    [Fact]
    public void LockState_SurvivesALeaderChange()
    {
        var (cluster, leader) = Cluster(fencing: true);
        var a = cluster.Propose(leader, new AcquireLock("A", 60_000, Wall(cluster, leader)));
        cluster.Crash(leader);
        var next = cluster.WaitForLeader();
        Assert.False(cluster.Propose(next, new AcquireLock("B", 60_000, Wall(cluster, next))).Ok);
        Assert.True(cluster.Propose(next, new FencedWrite(a.Token!.Value, "file", "A1")).Ok);
    }
}
