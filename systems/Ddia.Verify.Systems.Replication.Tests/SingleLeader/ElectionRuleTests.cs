using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Systems.Replication.Tests.SingleLeader;

public sealed class ElectionRuleTests
{
    [Fact]
    public void Best_IsTheLongestLog_ByLastEpochThenIndex_TiesToTheLowestId()
    {
        Assert.Equal(3, ElectionRule.Best([new(1, 2, 10, 1), new(2, 2, 7, 2), new(3, 2, 8, 2)]));
        Assert.Equal(1, ElectionRule.Best([new(1, 2, 10, 1), new(2, 2, 9, 1)]));
        Assert.Equal(2, ElectionRule.Best([new(3, 1, 5, 1), new(2, 1, 5, 1)]));
    }

    [Fact]
    public void NextEpoch_IsAboveEverythingSeen_AndOwnedByOneNode()
    {
        int[] cluster = [1, 2, 3];
        Assert.Equal(3, ElectionRule.NextEpoch(1, 1, cluster));
        Assert.Equal(4, ElectionRule.NextEpoch(1, 2, cluster));
        Assert.Equal(2, ElectionRule.NextEpoch(1, 3, cluster));
        // Elected at once from the same epoch, two nodes never share one.
        for (var seen = 1; seen < 20; seen++)
        {
            var epochs = cluster.Select(id => ElectionRule.NextEpoch(seen, id, cluster)).ToList();
            Assert.All(epochs, e => Assert.True(e > seen));
            Assert.Equal(3, epochs.Distinct().Count());
        }
    }
}
