using Ddia.Verify.Systems.Raft.Tests.Simulation;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>Leader election under partitions, crashes and pauses: safety (one leader per term) on every seed, and
/// liveness once the faults end.</summary>
public sealed class ElectionTests
{
    public static TheoryData<int, bool> Clusters => new() { { 3, true }, { 5, true }, { 5, false } };

    [Theory]
    [MemberData(nameof(Clusters))]
    public void Election_UnderFaults_ElectsAtMostOneLeaderPerTermAndOneAfterHealing(int size, bool preVote)
    {
        Seeds.Run(Seeds.Elections, seed =>
        {
            var cluster = new SimCluster(seed, size, o => o with { PreVote = preVote });
            RandomFaults.Schedule(cluster, FaultKinds.Partition | FaultKinds.Crash | FaultKinds.Pause, untilMs: 2_500);
            cluster.RunUntil(2_600);
            cluster.WaitForLeader();
            cluster.Invariants.CheckLogMatching();
            Assert.NotEmpty(cluster.Invariants.Leaders);
        });
    }

    [Fact]
    public void Election_OnAQuietNetwork_ElectsOneLeaderInTheFirstTerms()
    {
        var cluster = new SimCluster(7, 5, network: NetworkProfile.Reliable);
        var leader = cluster.WaitForLeader(1_000);
        var status = cluster.Nodes[leader].Raft!.Status;
        Assert.InRange(status.Term, 1, 2);
        Assert.All(cluster.Nodes, n => Assert.Equal(leader, n.Raft!.Status.LeaderId));
    }

    [Fact]
    public void PreVote_NodeReturningFromAPartition_DoesNotDisruptTheLeader()
    {
        var cluster = new SimCluster(11, 3, network: NetworkProfile.Reliable);
        var leader = cluster.WaitForLeader();
        var term = cluster.Nodes[leader].Raft!.Status.Term;
        var follower = (leader + 1) % 3;
        cluster.Isolate(follower);
        cluster.RunFor(2_000);
        // Cut off, it kept asking for pre-votes, which moved no term.
        Assert.Equal(term, cluster.Nodes[follower].Raft!.Status.Term);
        cluster.Heal();
        cluster.RunFor(500);
        Assert.Equal(leader, cluster.StableLeader());
        Assert.Equal(term, cluster.Nodes[leader].Raft!.Status.Term);
    }

    [Fact]
    public void Bridge_FollowerThatStillHearsTheLeader_DoesNotHelpElectAnother()
    {
        // leader — bridge — cut-off node. The cut-off node times out and campaigns, but the bridge still hears the
        // leader within the minimum election timeout and refuses, so the leader (and its lease) stays undisputed.
        var cluster = new SimCluster(13, 3, network: NetworkProfile.Reliable);
        var leader = cluster.WaitForLeader();
        var term = cluster.Nodes[leader].Raft!.Status.Term;
        var bridge = (leader + 1) % 3;
        var cut = (leader + 2) % 3;
        cluster.Bridge(bridge);
        cluster.RunFor(3_000);
        Assert.Equal((RaftRole.Leader, term), (cluster.Nodes[leader].Raft!.Status.Role, cluster.Nodes[leader].Raft!.Status.Term));
        Assert.Equal(term, cluster.Nodes[bridge].Raft!.Status.Term);
        Assert.Equal(RaftRole.PreCandidate, cluster.Nodes[cut].Raft!.Status.Role);
    }

    [Fact]
    public void WithoutPreVote_NodeReturningFromAPartition_ForcesANewTerm()
    {
        // The contrast to the test above: its inflated term reaches the leader through its replies.
        var cluster = new SimCluster(11, 3, o => o with { PreVote = false }, NetworkProfile.Reliable);
        var leader = cluster.WaitForLeader();
        var term = cluster.Nodes[leader].Raft!.Status.Term;
        var follower = (leader + 1) % 3;
        cluster.Isolate(follower);
        cluster.RunFor(2_000);
        Assert.True(cluster.Nodes[follower].Raft!.Status.Term > term + 2);
        cluster.Heal();
        cluster.WaitForLeader();
        Assert.True(cluster.Nodes[0].Raft!.Status.Term > term);
    }
}
