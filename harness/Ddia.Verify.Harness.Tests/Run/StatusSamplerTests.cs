using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Tests.Run;

/// <summary>Status sampling during a run: status.jsonl, its clock (the history's), and the lag plot it feeds.</summary>
public class StatusSamplerTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    /// <summary>
    /// An in-process log that reports its status like ddia-node's leader system: n1 leads and has every write, n2 applies
    /// all but the last two, n3 answers every other request only, and n4's status request throws. Setup takes a second and a
    /// half, so a sampler whose clock started with the run rather than with the ops would be caught; teardown takes two,
    /// so one that sampled on into teardown would be too.
    /// </summary>
    private sealed class LogDb : IDb, IReportsStatus
    {
        private long writes;
        private int n3Asks;

        public long Writes => Interlocked.Read(ref writes);

        public void Write() => Interlocked.Increment(ref writes);

        public async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation) =>
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellation);

        public async ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation) =>
            await Task.Delay(TimeSpan.FromSeconds(2), cancellation);

        public ValueTask<string?> StatusJsonAsync(TestContext test, Node node, CancellationToken cancellation)
        {
            var w = Writes;
            string? status = node.Name switch
            {
                "n1" => Status("leader", w, w),
                "n2" => Status("follower", Math.Max(0, w - 1), Math.Max(0, w - 2)),
                "n3" => Interlocked.Increment(ref n3Asks) % 2 == 0 ? null : Status("follower", w, w),
                _ => throw new InvalidOperationException("status endpoint broken"),
            };
            return ValueTask.FromResult(status);
        }

        // Pretty-printed on purpose: the sampler must still write one line per sample.
        private static string Status(string role, long last, long applied) => string.Create(CultureInfo.InvariantCulture,
            $$"""
            {
              "system": "leader", "role": "{{role}}", "epoch": 1,
              "lastIndex": {{last}}, "appliedIndex": {{applied}}
            }
            """);
    }

    private sealed class WriteClient(LogDb db) : IClient
    {
        public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.FromResult<IClient>(this);
        public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
        {
            await Task.Yield();
            db.Write();
            return invocation with { Type = OpType.Ok };
        }
        public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
        public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
        public ValueTask CloseAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
    }

    private sealed record Line(long Time, string Node, JsonElement? Status);

    private static List<Line> ReadLines(string path) =>
    [
        .. File.ReadAllLines(path).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            var root = doc.RootElement;
            var status = root.GetProperty("status");
            return new Line(root.GetProperty("time").GetInt64(), root.GetProperty("node").GetString()!,
                status.ValueKind == JsonValueKind.Null ? null : status.Clone());
        }),
    ];

    [Fact]
    public async Task Run_SamplesEveryNodeInRounds_OnTheHistorysClock_AndTheReportPlotsTheLag()
    {
        var db = new LogDb();
        var spec = new TestSpec
        {
            Name = "sampled",
            Nodes = [new Node("n1", "in-process"), new Node("n2", "in-process"), new Node("n3", "in-process"), new Node("n4", "in-process")],
            Db = db,
            Client = new WriteClient(db),
            Concurrency = 2,
            Generator = Gen.TimeLimit(TimeSpan.FromSeconds(2), Gen.Clients(Gen.Stagger(TimeSpan.FromMilliseconds(10), Gen.Repeat(new OpTemplate("write", Value.Of(1)))))),
            TimeLimit = TimeSpan.FromSeconds(2),
            Grace = TimeSpan.FromSeconds(30),
        };

        var (store, outcome) = await Runner.RunAsync(spec, Path.Combine(dir.Path, "store"), TimeProvider.System, CancellationToken.None);

        Assert.Equal("ok", outcome.Status);
        var lines = ReadLines(store.StatusPath);
        // Rounds of one line per node, in node order, sharing one time; rounds go forward in time.
        Assert.Equal(0, lines.Count % 4);
        var rounds = lines.Chunk(4).ToList();
        foreach (var round in rounds)
        {
            Assert.Equal(["n1", "n2", "n3", "n4"], round.Select(l => l.Node));
            Assert.Single(round.Select(l => l.Time).Distinct());
        }
        var times = rounds.Select(r => r[0].Time).ToList();
        Assert.True(times.Zip(times.Skip(1)).All(p => p.First < p.Second), "round times must increase");
        // Two seconds at one round per 250 ms: about 8 (the first at once). A loaded machine may take fewer (the bound
        // below is the sampler's promise: never faster than its period, and more than one round).
        Assert.InRange(rounds.Count, 2, 10);
        Assert.True((times[^1] - times[0]) / (rounds.Count - 1) >= 200_000_000, "rounds must be at least the period apart");

        // What did not answer (n3 every other time, n4 always: it threw) is recorded as null; the rest as the objects sent.
        Assert.All(lines.Where(l => l.Node == "n4"), l => Assert.Null(l.Status));
        Assert.Contains(lines, l => l.Node == "n3" && l.Status is null);
        Assert.Contains(lines, l => l.Node == "n3" && l.Status is not null);
        Assert.All(lines.Where(l => l.Node is "n1" or "n2"), l => Assert.Equal("leader", l.Status!.Value.GetProperty("system").GetString()));

        // Same clock as the ops: a sample at time t saw at least the writes completed before t, and at most those
        // invoked up to just after t (the status is asked right after t is read; a loaded machine may take a few hundred
        // milliseconds to get there, far less than the 1.5 s of setup a wrong clock would add).
        var history = HistoryReader.Read(store.HistoryPath).History;
        // Sampling starts with the ops, not with setup (1.5 s earlier); the first round is taken at once, which a loaded
        // machine may delay by a few hundred milliseconds.
        Assert.InRange(times[0], 0, 1_000_000_000);
        foreach (var l in lines.Where(l => l.Node == "n1"))
        {
            var seen = l.Status!.Value.GetProperty("lastIndex").GetInt64();
            var completedBefore = history.Count(o => o.IsClient && o.Type == OpType.Ok && o.Time < l.Time);
            var invokedBy = history.Count(o => o.IsClient && o.IsInvoke && o.Time <= l.Time + 500_000_000);
            Assert.InRange(seen, completedBefore, invokedBy);
        }
        // Sampled through the whole main phase, and not on into teardown. The phase ends at the time limit (2 s) or after
        // the last op, whichever is later; a loaded machine may leave the last op well before the limit.
        var lastOp = history.Max(o => o.Time);
        Assert.InRange(times[^1], lastOp - 700_000_000, Math.Max(lastOp, 2_000_000_000) + 1_000_000_000);

        // The report reads the samples back: n2 is two entries behind (n3 up to date when it answers).
        var html = File.ReadAllText(store.ReportPath);
        Assert.True(File.Exists(Path.Combine(store.Directory, "replication-lag.png")));
        Assert.True(File.Exists(Path.Combine(store.Directory, "replication-lag.svg")));
        Assert.Contains("<img src=\"replication-lag.png\"", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"status.jsonl\">status.jsonl</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithASystemThatReportsNoStatus_WritesNoStatusFile()
    {
        var spec = new TestSpec
        {
            Name = "unsampled",
            Nodes = [new Node("n1", "in-process")],
            Generator = Gen.Clients(Gen.Limit(5, Gen.Repeat(new OpTemplate("read")))),
        };

        var (store, outcome) = await Runner.RunAsync(spec, Path.Combine(dir.Path, "store-none"), TimeProvider.System, CancellationToken.None);

        Assert.Equal("ok", outcome.Status);
        Assert.False(File.Exists(store.StatusPath));
        Assert.DoesNotContain("status.jsonl", File.ReadAllText(store.ReportPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SkipsATornLastLine()
    {
        var path = Path.Combine(dir.Path, "torn-status.jsonl");
        File.WriteAllText(path, """
            {"time":0,"node":"n1","status":{"role":"leader","lastIndex":3}}
            {"time":0,"node":"n2","status":null}
            {"time":250000000,"node":"n1","stat
            """);

        var samples = StatusSampler.Read(path);

        Assert.Equal(2, samples.Count);
        Assert.Equal(new Reports.StatusSample(0, "n2", null), samples[1]);
        Assert.Equal("""{"role":"leader","lastIndex":3}""", samples[0].Json);
    }
}
