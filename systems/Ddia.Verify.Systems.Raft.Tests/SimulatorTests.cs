using Ddia.Verify.Systems.Raft.Tests.Simulation;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>The simulator's own fault shapes, which the suites above rely on.</summary>
public sealed class SimulatorTests
{
    private static string Links(SimCluster c) =>
        string.Join(" ", c.Nodes.Select(a => string.Concat(c.Nodes.Select(b => c.Connected(a.Id, b.Id) ? '1' : '0'))));

    [Fact]
    public void Partition_CutsEveryLinkBetweenGroups_AndHealRestoresThem()
    {
        var cluster = new SimCluster(1, 5);
        cluster.Partition([0, 1], [2]);
        Assert.Equal("11000 11000 00100 00011 00011", Links(cluster));
        cluster.Heal();
        Assert.Equal("11111 11111 11111 11111 11111", Links(cluster));
    }

    [Fact]
    public void Bridge_TalksToBothHalves_WhichCannotTalkToEachOther()
    {
        var cluster = new SimCluster(1, 5);
        cluster.Bridge(2);
        Assert.Equal("11100 11100 11111 00111 00111", Links(cluster));
    }

    [Fact]
    public void MajoritiesRing_GivesEveryNodeADifferentBareMajority()
    {
        var cluster = new SimCluster(1, 5);
        cluster.MajoritiesRing([0, 2, 4, 1, 3]);
        // On the ring 0-2-4-1-3-0 each node talks to itself and its two neighbours.
        Assert.Equal("10110 01011 10101 11010 01101", Links(cluster));
    }

    [Fact]
    public void SameSeed_ReplaysTheSameRun()
    {
        static string Run() =>
            string.Join("\n", Runs.Register(77, 3, ReadMode.Index, FaultKinds.All).Workload.History.Select(o => o.ToString()));
        Assert.Equal(Run(), Run());
    }
}
