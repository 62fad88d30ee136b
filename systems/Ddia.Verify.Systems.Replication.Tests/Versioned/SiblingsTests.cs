using CsCheck;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Systems.Replication.Tests.Versioned;

public sealed class SiblingsTests
{
    private const ConflictPolicy Vv = ConflictPolicy.VersionVectors;
    private const ConflictPolicy Lww = ConflictPolicy.LastWriteWins;

    /// <summary>One step of a simulated cluster of three replicas of one key: a put at a replica (with the context of
    /// its own read, or blind), or one replica shipping its whole sibling set to another.</summary>
    internal sealed record Step(bool Put, bool Blind, int At, int To, long WallMs);

    internal static readonly Gen<Step[]> Histories =
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2], Gen.Long[0, 50])
            .Select((put, blind, at, to, wall) => new Step(put, blind, at, to, wall)).Array[0, 30];

    private static (Siblings[] Replicas, List<Sibling> Written) Run(ConflictPolicy policy, Step[] steps)
    {
        var replicas = new[] { Siblings.Empty, Siblings.Empty, Siblings.Empty };
        var written = new List<Sibling>();
        var values = 0;
        foreach (var s in steps)
        {
            if (s.Put)
            {
                var context = s.Blind ? VersionVector.Empty : replicas[s.At].Context;
                var (after, w) = replicas[s.At].Put(policy, s.At + 1, "v" + values++, context, s.WallMs);
                replicas[s.At] = after;
                written.Add(w);
            }
            else
            {
                replicas[s.To] = replicas[s.To].Merge(policy, replicas[s.At]);
            }
        }
        return (replicas, written);
    }

    private static string[] Values(Siblings s) => [.. s.Items.Select(i => i.Value).Order(StringComparer.Ordinal)];

    [Fact]
    public void ConcurrentBlindPuts_BothSurvive_AndAPutWithTheMergedContextReplacesThem()
    {
        var (a, _) = Siblings.Empty.Put(Vv, 1, "a", VersionVector.Empty, 10);
        var (b, _) = Siblings.Empty.Put(Vv, 2, "b", VersionVector.Empty, 5);
        var both = a.Merge(Vv, b);
        Assert.Equal(["a", "b"], Values(both));
        Assert.Equal("1:1,2:1", both.Context.ToString());

        var (resolved, _) = both.Put(Vv, 3, "c", both.Context, 20);
        Assert.Equal(["c"], Values(resolved));
        Assert.Equal(["c"], Values(both.Merge(Vv, resolved)));
        Assert.Equal(["c"], Values(resolved.Merge(Vv, a)));   // an old copy arriving late changes nothing
    }

    [Fact]
    public void BlindPut_AtTheSameNode_StaysConcurrentWithTheWriteItDidNotSee()
    {
        var (first, _) = Siblings.Empty.Put(Vv, 1, "a", VersionVector.Empty, 1);
        var (second, _) = first.Put(Vv, 1, "b", VersionVector.Empty, 2);
        Assert.Equal(["a", "b"], Values(second));
        var (third, _) = second.Put(Vv, 1, "c", VersionVector.TryParse(first.Context.ToString())!, 3);
        Assert.Equal(["b", "c"], Values(third));   // the context covered only "a"
    }

    [Fact]
    public void Lww_KeepsTheNewestWallClock_ThenTheHigherNode()
    {
        var (x, _) = Siblings.Empty.Put(Lww, 1, "x", VersionVector.Empty, 100);
        var (y, _) = Siblings.Empty.Put(Lww, 2, "y", VersionVector.Empty, 90);
        Assert.Equal(["x"], Values(x.Merge(Lww, y)));
        Assert.Equal(["x"], Values(y.Merge(Lww, x)));
        var (z, _) = Siblings.Empty.Put(Lww, 2, "z", VersionVector.Empty, 100);
        Assert.Equal(["z"], Values(x.Merge(Lww, z)));
        // A put whose clock is behind loses even on the node that took it.
        Assert.Equal(["x"], Values(x.Put(Lww, 1, "late", x.Context, 50).After));
    }

    [Fact]
    public void Replicas_ConvergeOnTheSameSiblings_InAnyMergeOrder()
    {
        foreach (var policy in new[] { Vv, Lww })
        {
            Histories.Sample(steps =>
            {
                var (r, _) = Run(policy, steps);
                var forward = r[0].Merge(policy, r[1]).Merge(policy, r[2]);
                var backward = r[2].Merge(policy, r[1].Merge(policy, r[0]));
                Assert.Equal(forward, backward);
                Assert.Equal(forward, forward.Merge(policy, r[1]));   // idempotent
                Assert.Equal(r[0].Merge(policy, r[1]), r[1].Merge(policy, r[0]));
            });
        }
    }

    [Fact]
    public void Lww_KeepsTheMaximumOfEveryWrite()
    {
        Histories.Sample(steps =>
        {
            var (r, written) = Run(Lww, steps);
            var all = r.Aggregate(Siblings.Empty, (m, s) => m.Merge(Lww, s));
            if (written.Count == 0) Assert.True(all.IsEmpty);
            else Assert.Equal([written.Max(Comparer<Sibling>.Create(Sibling.CompareLww))!], all.Items);
        });
    }

    [Fact]
    public void VersionVectors_LoseNoWrite_ThatNoLaterWriteSaw()
    {
        Histories.Sample(steps =>
        {
            var (r, written) = Run(Vv, steps);
            var all = r.Aggregate(Siblings.Empty, (m, s) => m.Merge(Vv, s));
            // The survivors are exactly the writes no other write's context covers.
            var expected = written.Where(w => !written.Any(o => w.IsCoveredBy(o.Context))).Select(w => w.Value).Order(StringComparer.Ordinal);
            Assert.Equal(expected, Values(all));
        });
    }

    [Fact]
    public void PutWithAReadsContext_SupersedesExactlyTheSiblingsRead()
    {
        Gen.Select(Histories, Gen.Int[0, 2], Gen.Int[0, 2]).Sample((steps, reader, other) =>
        {
            var (r, _) = Run(Vv, steps);
            var read = r[reader];
            var (after, written) = read.Put(Vv, reader + 1, "new", read.Context, 99);
            Assert.Equal([written], after.Items);
            // At another replica: what the reader saw goes, everything else stays.
            var merged = r[other].Merge(Vv, after);
            var expected = r[other].Items.Where(s => !read.Items.Contains(s) && !s.IsCoveredBy(read.Context)).Append(written);
            Assert.Equal(expected.Select(s => s.Value).Order(StringComparer.Ordinal), Values(merged));
            Assert.DoesNotContain(merged.Items, read.Items.Contains);
        });
    }

    [Fact]
    public void Json_RoundTrips()
    {
        Gen.Select(Histories, Gen.Bool).Sample((steps, lww) =>
        {
            var policy = lww ? Lww : Vv;
            foreach (var s in Run(policy, steps).Replicas) Assert.Equal(s, SiblingJson.FromDto(policy, SiblingJson.ToDto(s)));
        });
        Assert.Null(SiblingJson.FromDto(Vv, [new SiblingDto("v", 1, 1, 0, "1:1")]));   // a context that covers its own dot
        Assert.Null(SiblingJson.FromDto(Vv, [new SiblingDto(null, 1, 1, 0, "")]));
    }

    [Fact]
    public void ManyBlindSiblings_MergeInLinearishTime()
    {
        Siblings Blind(int node) => Enumerable.Range(0, 500)
            .Aggregate(Siblings.Empty, (set, i) => set.Put(Vv, node, "v" + i, VersionVector.Empty, i).After);
        var (a, b) = (Blind(1), Blind(2));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var merged = a.Merge(Vv, b);
        Assert.Equal(1000, merged.Items.Count);
        Assert.Same(merged, merged.Merge(Vv, a));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"merge took {clock.Elapsed}");
        var (resolved, _) = merged.Put(Vv, 3, "one", merged.Context, 0);
        Assert.Equal(["one"], Values(resolved));
    }
}
