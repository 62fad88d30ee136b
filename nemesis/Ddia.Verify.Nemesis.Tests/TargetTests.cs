using CsCheck;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Tests;

public sealed class TargetTests
{
    [Fact]
    public void Pick_GivesTheRightNumberOfDistinctNodes_AndTheSameNodesForTheSameSeed() =>
        CsCheck.Gen.Select(CsCheck.Gen.Int[1, 11], CsCheck.Gen.ULong).Sample((n, seed) =>
        {
            var nodes = Cluster.Nodes(n);
            int Count(Target t) => Targets.Targets.Pick(t, nodes, new GenRandom(seed)).Nodes.Distinct().Count();
            Assert.Equal(1, Count(Target.One));
            Assert.Equal(n, Count(Target.All));
            Assert.Equal(n / 2 + 1, Count(Target.Majority));
            Assert.Equal(n / 2, Count(Target.Minority));
            Assert.True(Count(Target.Minority) < Count(Target.Majority));
            foreach (var t in new[] { Target.One, Target.Minority, Target.Majority })
                Assert.Equal(Targets.Targets.Pick(t, nodes, new GenRandom(seed)).Nodes.AsEnumerable(), Targets.Targets.Pick(t, nodes, new GenRandom(seed)).Nodes);
        });

    [Fact]
    public void Named_FindsKnownNodes_AndNotesUnknownOnes()
    {
        var r = Targets.Targets.Pick(Target.Of("n2", "n9"), Cluster.Nodes(3), new GenRandom(0));
        Assert.Equal(["n2"], r.Nodes.Select(n => n.Name));
        Assert.Equal("no such node: n9", r.Note);
    }

    [Fact]
    public async Task Primaries_AreAskedOfThePrimaryAwareDb_AndNotedWhenNoneIsKnown()
    {
        var test = Cluster.Context(5);
        var db = new FakeDb { Primaries = [test.Nodes[3]] };
        var found = await Targets.Targets.ResolveAsync(Target.Primaries, test, db, new GenRandom(0), default);
        Assert.Equal([test.Nodes[3]], found.Nodes.AsEnumerable());

        db.Primaries = [];
        var none = await Targets.Targets.ResolveAsync(Target.Primaries, test, db, new GenRandom(0), default);
        Assert.Empty(none.Nodes);
        Assert.Equal("no primary known", none.Note);

        var unaware = await Targets.Targets.ResolveAsync(Target.Primaries, test, Abstractions.NoopDb.Instance, new GenRandom(0), default);
        Assert.Empty(unaware.Nodes);
        Assert.NotNull(unaware.Note);
    }

    [Fact]
    public void Parse_ReadsNamesAndLists_AndRoundTripsThroughValues()
    {
        foreach (var t in new[] { Target.One, Target.Primaries, Target.Minority, Target.Majority, Target.All, Target.Of("n1", "n3") })
            Assert.Equal(t, Target.Parse(t.ToValue(), Target.All));
        Assert.Equal(Target.Majority, Target.Parse(Value.Nil, Target.Majority));
        Assert.Throws<ArgumentException>(() => Target.Parse(Value.Of("most"), Target.All));
    }
}
