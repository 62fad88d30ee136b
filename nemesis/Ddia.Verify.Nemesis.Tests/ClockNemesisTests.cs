using System.Collections.Immutable;
using System.Net;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Clock;

namespace Ddia.Verify.Nemesis.Tests;

/// <summary>The clock nemesis against real HTTP endpoints on loopback addresses (one per node, one shared port).</summary>
#pragma warning disable CA1001 // xunit disposes the servers through IAsyncLifetime.DisposeAsync
public sealed class ClockNemesisTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private ClockServer n1 = null!;
    private ClockServer n2 = null!;
    private TestContext test = null!;
    private INemesis nemesis = null!;

    public async Task InitializeAsync()
    {
        n1 = new ClockServer(IPAddress.Parse("127.0.0.1"));
        n2 = new ClockServer(IPAddress.Parse("127.0.0.2"), n1.Port);
        // n3's address has nothing listening on the port: connection refused, as for a node that is down.
        var nodes = ImmutableArray.Create(new Node("n1", "127.0.0.1"), new Node("n2", "127.0.0.2"), new Node("n3", "127.0.0.3"));
        test = new TestContext("clock", nodes, 42, TimeProvider.System);
        // 2 s: a first request on a loaded CI machine (JIT, connection) took longer than 500 ms and counted as no answer.
        nemesis = await new ClockNemesis(new FakeDb(), new ClockOptions { AdminPort = n1.Port, RequestTimeout = TimeSpan.FromSeconds(2) })
            .SetupAsync(test, default);
    }

    public async Task DisposeAsync()
    {
        await nemesis.TeardownAsync(test, default);
        await n1.DisposeAsync();
        await n2.DisposeAsync();
    }

    [Fact]
    public async Task Bump_WithExplicitOffsets_PostsThemToEachNode_AndRecordsWhatTheNodesAnswered()
    {
        var done = await nemesis.InvokeAsync(test,
            Cluster.Invoke(NemesisFs.BumpClock, Cluster.Map(("n1", Value.Of(-30000)), ("n2", Value.Of(250)))), default);

        Assert.Equal(OpType.Info, done.Type);
        Assert.Equal([-30000L], n1.Offsets);
        Assert.Equal([250L], n2.Offsets);
        Assert.Equal(["/admin/clock"], n1.Paths);
        Assert.Equal(Cluster.Map(("n1", Value.Of(-30000)), ("n2", Value.Of(250))), done.Value.Get("offsets"));
        Assert.Equal(Cluster.Map(("offsetMs", Value.Of(-30000)), ("wallNowMs", Value.Of(1_000_000 - 30000))), done.Value.Get("readings")!.Get("n1"));
        Assert.Null(done.Value.Get("errors"));
    }

    [Fact]
    public async Task AnUnreachableNode_IsReportedInTheCompletion_NotThrown()
    {
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.ResetClock), default);

        Assert.Equal([0L], n1.Offsets);
        Assert.Equal([0L], n2.Offsets);
        var errors = done.Value.Get("errors")!;
        Assert.Equal(["n3"], errors.Entries.Select(e => e.Key.AsText));
        Assert.Null(done.Value.Get("readings")!.Get("n3"));
    }

    [Fact]
    public async Task ANodeThatNeverAnswers_TimesOut_AndIsReported()
    {
        await using var hang = new ClockServer(IPAddress.Parse("127.0.0.5"), n1.Port, answer: false);
        var hung = test with { Nodes = [new Node("n5", "127.0.0.5")] };
        var started = DateTimeOffset.UtcNow;
        var done = await nemesis.InvokeAsync(hung, Cluster.Invoke(NemesisFs.BumpClock, Cluster.Map(("n5", Value.Of(10)))), default);
        Assert.Contains("did not answer", done.Value.Get("errors")!.Get("n5")!.AsText);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(6), "a hung node held the nemesis far past its 2 s request timeout");
    }

    [Fact]
    public async Task Bump_WithATarget_GivesTheSameOffsetToTheChosenNodes()
    {
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.BumpClock,
            Cluster.Map(("target", Value.List(Value.Of("n1"), Value.Of("n2"))), ("offsetMs", Value.Of(-777)))), default);
        Assert.Equal([-777L], n1.Offsets);
        Assert.Equal([-777L], n2.Offsets);
        Assert.Equal(2, done.Value.Get("offsets")!.Entries.Length);
    }

    [Fact]
    public async Task Strobe_FlipsTheOffsetBetweenLowAndHigh_ThenEndsAtLow()
    {
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StrobeClock, Cluster.Map(
            ("target", Value.List(Value.Of("n1"))), ("lowMs", Value.Of(-5)), ("highMs", Value.Of(200)),
            ("periodMs", Value.Of(20)), ("durationMs", Value.Of(300)))), default);
        Assert.Equal(["n1"], Cluster.Names(done.Value.Get("nodes")!));

        await Eventually(() => n1.Offsets.Count >= 4 && n1.Offsets.Last() == -5 && Settled(n1));
        var seen = n1.Offsets.ToList();
        Assert.Equal(200, seen[0]);
        Assert.Equal(-5, seen[1]);
        Assert.All(seen, o => Assert.Contains(o, new long[] { -5, 200 }));
        Assert.Empty(n2.Offsets);
    }

    [Fact]
    public async Task Teardown_StopsAStrobe_AndResetsEveryClock()
    {
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StrobeClock, Cluster.Map(
            ("target", Value.Of("all")), ("highMs", Value.Of(100)), ("periodMs", Value.Of(10)), ("durationMs", Value.Of(60_000)))), default);
        await Eventually(() => n2.Offsets.Count >= 2);

        await nemesis.TeardownAsync(test, default);
        var count = n1.Offsets.Count;
        await Task.Delay(100);

        Assert.Equal(0, n1.Offsets.Last());
        Assert.Equal(0, n2.Offsets.Last());
        Assert.Equal(count, n1.Offsets.Count);   // the strobe is gone
    }

    private static bool Settled(ClockServer s)
    {
        var before = s.Offsets.Count;
        Thread.Sleep(60);
        return s.Offsets.Count == before;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}
