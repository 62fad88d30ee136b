using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Processes;

namespace Ddia.Verify.Nemesis.Tests;

public sealed class ProcessNemesisTests
{
    [Fact]
    public async Task Pause_ThenResume_CallsTheDbOnTheSameNodes_AndTheHistorySaysWhich()
    {
        var db = new FakeDb();
        var test = Cluster.Context(5, seed: 4);
        var nemesis = await new PauseNemesis(db).SetupAsync(test, default);

        var paused = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Pause, Value.Of("minority")), default);
        var names = Cluster.Names(paused.Value.Get("nodes")!).ToList();
        Assert.Equal(2, names.Count);
        var resumed = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Resume), default);

        Assert.Equal(names, Cluster.Names(resumed.Value.Get("nodes")!));
        Assert.Equal(names.Select(n => $"pause {n}").Concat(names.Select(n => $"resume {n}")).Order(), db.Calls.Order());
        Assert.Equal(OpType.Info, resumed.Type);
    }

    [Fact]
    public async Task Pause_Primaries_AsksTheDb_AndSaysSoWhenNoneIsKnown()
    {
        var test = Cluster.Context(3);
        var db = new FakeDb { Primaries = [test.Nodes[2]] };
        var nemesis = await new PauseNemesis(db).SetupAsync(test, default);
        var paused = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Pause, Value.Of("primaries")), default);
        Assert.Equal(["n3"], Cluster.Names(paused.Value.Get("nodes")!));

        db.Primaries = [];
        var none = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Pause, Value.Of("primaries")), default);
        Assert.Empty(Cluster.Names(none.Value.Get("nodes")!));
        Assert.Equal("no primary known", none.Value.Get("note")!.AsText);
    }

    [Fact]
    public async Task Kill_ThenTeardown_StartsEveryKilledNode()
    {
        var db = new FakeDb();
        var test = Cluster.Context(5, seed: 8);
        var nemesis = await new KillNemesis(db).SetupAsync(test, default);
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Kill, Value.List(Value.Of("n1"), Value.Of("n4"))), default);
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Kill, Value.Of("all")), default);

        await nemesis.TeardownAsync(test, default);

        Assert.Equal(7, db.Calls.Count(c => c.StartsWith("kill", StringComparison.Ordinal)));
        Assert.Equal(test.Nodes.Select(n => $"start {n.Name}").Order(), db.Calls.Where(c => c.StartsWith("start", StringComparison.Ordinal)).Order());
        Assert.Empty(((ProcessNemesis)nemesis).Faulted);
    }

    [Fact]
    public async Task ANodeTheDbFailsOn_IsReported_AndNotCountedAsFaulted()
    {
        var db = new FakeDb();
        db.Failing.Add("n2");
        var test = Cluster.Context(3);
        var nemesis = await new KillNemesis(db).SetupAsync(test, default);
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Kill, Value.Of("all")), default);
        Assert.Contains("kill failed on n2", done.Value.Get("errors")!.Get("n2")!.AsText);
        Assert.Equal(["n1", "n3"], ((ProcessNemesis)nemesis).Faulted.Select(n => n.Name).Order());
    }

    [Fact]
    public async Task ADbWithoutTheCapability_GetsANote_NotAnException()
    {
        var test = Cluster.Context(3);
        var nemesis = await new PauseNemesis(NoopDb.Instance).SetupAsync(test, default);
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Pause), default);
        Assert.Contains("IPausable", done.Value.Get("note")!.AsText);
        await nemesis.TeardownAsync(test, default);
    }

    [Fact]
    public async Task TheSameSeed_PicksTheSameNodes()
    {
        async Task<string> Run(ulong seed)
        {
            var test = Cluster.Context(7, seed);
            var nemesis = await new PauseNemesis(new FakeDb()).SetupAsync(test, default);
            var picks = new List<string>();
            foreach (var t in new[] { "one", "minority", "majority", "one" })
                picks.Add((await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Pause, Value.Of(t)), default)).Value.ToString());
            return string.Join(" | ", picks);
        }
        Assert.Equal(await Run(3), await Run(3));
        var others = await Task.WhenAll(Enumerable.Range(10, 5).Select(s => Run((ulong)s)));
        Assert.Contains(others, o => o != others[0]);
    }
}
