using System.Collections.Immutable;
using CsCheck;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.Nemesis.Partitions;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Tests;

/// <summary>Properties of the pure grudges over cluster sizes and seeds; a failure prints CsCheck's seed and the case.</summary>
public sealed class GrudgeTests
{
    private static readonly Gen<(int N, ulong Seed)> Cases = CsCheck.Gen.Select(CsCheck.Gen.Int[1, 11], CsCheck.Gen.ULong);
    private static readonly Gen<(int N, ulong Seed)> Partitionable = CsCheck.Gen.Select(CsCheck.Gen.Int[3, 11], CsCheck.Gen.ULong);

    private static string Print((int N, ulong Seed) c) => $"n {c.N}, seed {c.Seed}";

    private static GenRandom Random(ulong seed) => new(seed);

    private static bool Symmetric(Grudge g, ImmutableArray<Node> nodes) =>
        nodes.All(a => nodes.All(b => g.Drops(a, b) == g.Drops(b, a)));

    private static bool NobodyDropsItself(Grudge g, ImmutableArray<Node> nodes) => nodes.All(n => !g.Drops(n, n));

    [Fact]
    public void IsolateOne_CutsExactlyOneNode_FromAllOthers_Symmetrically() =>
        Cases.Sample(c =>
        {
            var nodes = Cluster.Nodes(c.N);
            var g = Grudges.IsolateOne(nodes, Random(c.Seed));
            if (c.N < 2) { Assert.True(g.IsEmpty); return; }
            // Exactly one node hears only itself and the others hear each other (with two nodes, both are alone).
            var lone = c.N == 2 ? nodes[0] : Assert.Single(nodes, n => g.Hears(n, nodes).Count() == 1);
            Assert.Equal([lone], g.Hears(lone, nodes));
            Assert.All(nodes.Where(n => n != lone), n => Assert.Equal(c.N - 1, g.Hears(n, nodes).Count()));
            Assert.True(Symmetric(g, nodes));
            Assert.True(NobodyDropsItself(g, nodes));
        }, print: Print);

    [Fact]
    public void Halves_AreComplementary_SmallerFirst_AndSymmetric() =>
        Cases.Sample(c =>
        {
            var nodes = Cluster.Nodes(c.N);
            var g = Grudges.Halves(nodes, Random(c.Seed));
            if (c.N < 2) { Assert.True(g.IsEmpty); return; }
            // Each node hears exactly its own half; the two halves cover the cluster and do not meet.
            var views = nodes.Select(n => g.Hears(n, nodes).ToImmutableHashSet()).Distinct(SetComparer.Instance).ToList();
            Assert.Equal(2, views.Count);
            Assert.Empty(views[0].Intersect(views[1]));
            Assert.Equal(c.N, views[0].Count + views[1].Count);
            Assert.Equal(c.N / 2, views.Min(v => v.Count));
            Assert.True(Symmetric(g, nodes));
            Assert.True(NobodyDropsItself(g, nodes));
        }, print: Print);

    [Fact]
    public void MajoritiesRing_GivesEachNodeAMajority_AndNoTwoNodesTheSameOne() =>
        Partitionable.Sample(c =>
        {
            var nodes = Cluster.Nodes(c.N);
            var g = Grudges.MajoritiesRing(nodes, Random(c.Seed));
            var views = nodes.Select(n => g.Hears(n, nodes).ToImmutableHashSet()).ToList();
            Assert.All(views, v => Assert.Equal(Targets.Targets.MajoritySize(c.N), v.Count));
            Assert.Equal(c.N, views.Distinct(SetComparer.Instance).Count());
            Assert.True(NobodyDropsItself(g, nodes));
            // With an odd majority each window is centred, so the grudge is symmetric.
            if (Targets.Targets.MajoritySize(c.N) % 2 == 1) Assert.True(Symmetric(g, nodes));
        }, print: Print);

    [Fact]
    public void Bridge_SharesExactlyOneNode_WhichHearsEveryone_AndTheSidesDoNotMeet() =>
        Partitionable.Sample(c =>
        {
            var nodes = Cluster.Nodes(c.N);
            var g = Grudges.Bridge(nodes, Random(c.Seed));
            var bridge = Assert.Single(nodes, n => g.Hears(n, nodes).Count() == c.N);
            Assert.All(nodes, n => Assert.False(g.Drops(n, bridge)));
            var sides = nodes.Where(n => n != bridge).Select(n => g.Hears(n, nodes).ToImmutableHashSet())
                .Distinct(SetComparer.Instance).ToList();
            Assert.Equal(2, sides.Count);
            Assert.Equal([bridge], sides[0].Intersect(sides[1]));
            Assert.True(Symmetric(g, nodes));
            Assert.True(NobodyDropsItself(g, nodes));
        }, print: Print);

    [Fact]
    public void Isolate_CutsTheGivenNodes_FromTheRest() =>
        Partitionable.Sample(c =>
        {
            var nodes = Cluster.Nodes(c.N);
            var primaries = Targets.Targets.Pick(Target.Minority, nodes, Random(c.Seed)).Nodes;
            var g = Grudges.Isolate(primaries, nodes);
            Assert.All(primaries, p => Assert.Equal(primaries.ToHashSet(), g.Hears(p, nodes).ToHashSet()));
            Assert.True(Symmetric(g, nodes));
        }, print: Print);

    [Fact]
    public void EveryKind_IsAFunctionOfTheSeed() =>
        Cases.Sample(c =>
        {
            var nodes = Cluster.Nodes(c.N);
            foreach (var kind in PartitionKinds.All)
                Assert.Equal(Grudges.Of(kind, nodes, Random(c.Seed), nodes.Take(1)), Grudges.Of(kind, nodes, Random(c.Seed), nodes.Take(1)));
        }, print: Print);

    [Fact]
    public void Complete_ToValue_NamesEachNodesDroppedPeersSorted()
    {
        var nodes = Cluster.Nodes(3);
        var g = Grudges.Complete([[nodes[0]], [nodes[1], nodes[2]]]);
        Assert.Equal("{\"n1\" [\"n2\" \"n3\"], \"n2\" [\"n1\"], \"n3\" [\"n1\"]}", g.ToValue().ToString());
    }

    [Fact]
    public void KindNames_RoundTrip()
    {
        foreach (var kind in PartitionKinds.All) Assert.Equal(kind, PartitionKinds.Parse(kind.Name()));
        Assert.Throws<ArgumentException>(() => PartitionKinds.Parse("sideways"));
    }

    private sealed class SetComparer : IEqualityComparer<ImmutableHashSet<Node>>
    {
        public static SetComparer Instance { get; } = new();
        public bool Equals(ImmutableHashSet<Node>? x, ImmutableHashSet<Node>? y) => x!.SetEquals(y!);
        public int GetHashCode(ImmutableHashSet<Node> obj) => obj.Aggregate(0, (h, n) => h ^ n.GetHashCode());
    }
}
