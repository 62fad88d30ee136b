using CsCheck;
using Ddia.Verify.Systems.Replication.Leaderless;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Systems.Replication.Tests.Leaderless;

public sealed class PreferenceListTests
{
    [Fact]
    public void Home_IsNConsecutiveDistinctNodes_AndFallbacksAreTheRest()
    {
        var list = new PreferenceList([5, 1, 3, 2, 4], 3);
        Gen.String.Sample(key =>
        {
            var walk = list.Walk(key);
            Assert.Equal([1, 2, 3, 4, 5], walk.Order());
            Assert.Equal(3, list.Home(key).Count);
            Assert.Equal(walk, list.Home(key).Concat(list.Fallbacks(key)));
            var start = walk[0] - 1;
            Assert.Equal(Enumerable.Range(0, 5).Select(i => (start + i) % 5 + 1), walk);   // ring order
            Assert.Equal(walk, new PreferenceList([1, 2, 3, 4, 5], 3).Walk(key));
        });
    }

    [Fact]
    public void Keys_SpreadOverEveryNode()
    {
        var list = new PreferenceList([1, 2, 3], 1);
        var owners = Enumerable.Range(0, 300).Select(i => list.Home("k" + i)[0]).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, owners.Count);
        Assert.All(owners.Values, c => Assert.InRange(c, 50, 150));
    }

    [Fact]
    public void Quorum_DefaultsToMajorities()
    {
        Assert.Equal(new Quorum(3, 2, 2), Quorum.Of(3, null, null, null));
        Assert.Equal(new Quorum(3, 1, 1), Quorum.Of(5, 3, 1, 1));
        Assert.True(Quorum.Of(5, null, null, null).Overlaps);
        Assert.False(Quorum.Of(3, null, 1, 1).Overlaps);
    }

    [Fact]
    public void HintLog_KeepsHintsAcrossRestarts_UntilDelivered()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ddia-hints-" + Guid.NewGuid().ToString("N"));
        try
        {
            var value = Siblings.Empty.Put(ConflictPolicy.VersionVectors, 1, "v", VersionVector.Empty, 1).After;
            using (var log = HintLog.Open(dir, ConflictPolicy.VersionVectors))
            {
                var first = log.Add(2, "a", value);
                log.Add(3, "b", value);
                Assert.True(log.Delivered(first.Id));
                Assert.False(log.Delivered(first.Id));
            }
            using (var log = HintLog.Open(dir, ConflictPolicy.VersionVectors))
            {
                var hint = Assert.Single(log.Snapshot());
                Assert.Equal((3, "b", value), (hint.Home, hint.Key, hint.Siblings));
                Assert.True(log.Add(2, "c", value).Id > hint.Id);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
