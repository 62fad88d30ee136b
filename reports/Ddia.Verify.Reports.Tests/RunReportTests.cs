using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Tests;

public sealed class RunReportTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static CheckResult Linearizable(HistoryList history) =>
        Checkers.Checkers.Compose(new LinearizabilityChecker(ModelCatalog.Create("register")))
            .Check(history, new CheckOptions());

    private static ReportInput Input(HistoryList? history, CheckResult? result) => new()
    {
        TestName = "register-partition",
        StartTime = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
        Seed = 42,
        Options = [new("system", "raft"), new("nodes", "n1,n2,n3"), new("concurrency", "4"), new("time limit", "30 s"), new("nemesis", "partition")],
        History = history,
        Result = result,
        HistoryLink = "history.jsonl",
        TestJsonLink = "test.json",
        ResultsJsonLink = "results.json",
        NodeLogs = [new("n1", "n1/node.log"), new("n2", "n2/node.log")],
    };

    private string WriteAndRead(ReportInput input)
    {
        var files = RunReport.Write(input, dir.Path);
        Assert.Equal(Path.Combine(dir.Path, "index.html"), files.Index);
        Assert.True(File.Exists(files.Index));
        return File.ReadAllText(files.Index);
    }

    [Fact]
    public void Write_WhenNotLinearizable_ShowsInvalidVerdictAndTheOpThatCannotBeLinearized()
    {
        var history = Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");
        var result = Linearizable(history);
        Assert.Equal(Validity.Invalid, result.Validity);

        var html = WriteAndRead(Input(history, result));

        Assert.Contains("<div class=\"verdict invalid\" id=\"verdict\">INVALID</div>", html, StringComparison.Ordinal);
        Assert.Contains("nonlinearizable", html, StringComparison.Ordinal);
        // The read of 1 (invoked at position 4, completed at 5) is the op no order can complete.
        Assert.Contains("<tr class=\"culprit\"><td><a href=\"timeline.html#op=4\">4</a></td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>read</td><td></td><td>1</td>", html, StringComparison.Ordinal);
        Assert.Contains("Longest linearizable prefix 1", html, StringComparison.Ordinal);
        Assert.Contains("the state was", html, StringComparison.Ordinal);
        Assert.Contains("<code>2</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WhenValid_ShowsAGreenVerdictAndNoAnomaly()
    {
        var history = Ops.Parse("p0 w1 [0,10] | p1 r1 [20,30]");

        var html = WriteAndRead(Input(history, Linearizable(history)));

        Assert.Contains("<div class=\"verdict valid\" id=\"verdict\">VALID</div>", html, StringComparison.Ordinal);
        Assert.Contains("None found.", html, StringComparison.Ordinal);
        Assert.Contains(".valid { background: #2e7d32; }", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_VerdictTable_ListsEveryCheckerWithValidityErrorAndAnomalyCount()
    {
        var history = Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");
        var result = Checkers.Checkers.Compose(
                new LinearizabilityChecker(ModelCatalog.Create("register")), Checkers.Checkers.UnbridledOptimism, new Crashing())
            .Check(history, new CheckOptions());

        var html = WriteAndRead(Input(history, result));

        Assert.Contains("<tr><td>compose</td><td class=\"invalid\">invalid</td><td></td><td>nonlinearizable</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>compose / linearizable</td><td class=\"invalid\">invalid</td><td>linearizable (register model)</td><td>nonlinearizable</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>compose / unbridled-optimism</td><td class=\"valid\">valid</td><td></td><td>none</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>compose / crashing</td><td class=\"unknown\">unknown</td><td></td><td>none</td><td>InvalidOperationException: boom &lt;b&gt;</td>", html, StringComparison.Ordinal);
        // The composed result repeats its child's anomaly: it is shown once, under the child.
        Assert.Equal(1, Occurrences(html, "<div class=\"anomaly\">"));
    }

    [Fact]
    public void Write_EscapesEveryHostileString()
    {
        const string Hostile = "<script>alert(1)</script>";
        var history = new HistoryList(
        [
            new Op(0, 0, OpType.Invoke, 0, "write", Value.Of(Hostile), Value.Of("k\"&")),
            new Op(1, 10, OpType.Ok, 0, "write", Value.Of(Hostile), Value.Of("k\"&")),
            new Op(2, 20, OpType.Invoke, 1, "read", Value.Nil, Value.Of("k\"&")),
            new Op(3, 30, OpType.Ok, 1, "read", Value.Of("<img src=x onerror=alert(2)>"), Value.Of("k\"&")),
        ]);
        var result = new CheckResult(Hostile, Validity.Invalid, [new Anomaly("<b>kind</b>", [0, 1, 3], "explained " + Hostile)])
        {
            Error = Hostile,
        };
        var input = Input(history, result) with
        {
            TestName = Hostile,
            Status = ReportInput.StatusCrashed,
            CrashMessage = Hostile,
            Options = [new(Hostile, Hostile)],
            NodeLogs = [new(Hostile, "n1/<x>.log"), new("evil", "javascript:alert(3)"), new("rooted", "/etc/passwd")],
        };

        var html = WriteAndRead(input);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>kind", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/etc", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&quot;k\\&quot;&amp;&quot;", html, StringComparison.Ordinal);   // the key "k\"&" in EDN, escaped
        Assert.Contains("href=\"n1/%3Cx%3E.log\"", html, StringComparison.Ordinal);
        Assert.Contains("<code>javascript:alert(3)</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_LinksHistoryTestResultsAndNodeLogs()
    {
        var history = Ops.Parse("p0 w1 [0,10]");

        var html = WriteAndRead(Input(history, Linearizable(history)));

        Assert.Contains("<a href=\"history.jsonl\">history.jsonl</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"test.json\">test.json</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"results.json\">results.json</a>", html, StringComparison.Ordinal);
        Assert.Contains("log: n1: <a href=\"n1/node.log\">n1/node.log</a>", html, StringComparison.Ordinal);
        Assert.Contains("log: n2: <a href=\"n2/node.log\">n2/node.log</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_HeaderShowsTheFactsTheCommandLineAndEveryOption()
    {
        var history = Ops.Parse("p0 w1 [0,10]");
        var input = Input(history, Linearizable(history)) with
        {
            Duration = TimeSpan.FromSeconds(41.26),
            CommandLine = "./ddia-verify run --system raft --nemesis partition --seed 42 --name 'a b'",
        };

        var html = WriteAndRead(input);

        Assert.Contains("<tr><td>status</td><td>ok</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>seed</td><td>42</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>system</td><td>raft</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>duration</td><td>41.3 s</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>started</td><td>2026-11-26 12:00:00 +00:00</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<pre class=\"command\" id=\"command\">./ddia-verify run --system raft --nemesis partition --seed 42 --name &#39;a b&#39;</pre>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>nemesis</td><td>partition</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>time limit</td><td>30 s</td></tr>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"crash\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WhenRunCrashedBeforeRecording_StillWritesAPageSayingSo()
    {
        var input = Input(null, null) with { Status = ReportInput.StatusCrashed, CrashMessage = "setup failed: n2 did not start" };

        var files = RunReport.Write(input, Path.Combine(dir.Path, "nested", "run"));
        var html = File.ReadAllText(files.Index);

        Assert.Empty(files.Images);
        Assert.Contains("<div class=\"verdict unknown\" id=\"verdict\">UNKNOWN</div>", html, StringComparison.Ordinal);
        Assert.Contains("The run crashed.", html, StringComparison.Ordinal);
        Assert.Contains("setup failed: n2 did not start", html, StringComparison.Ordinal);
        Assert.Contains("No history was recorded.", html, StringComparison.Ordinal);
        Assert.Contains("No checker results", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WhenRunCrashedWithPartialHistory_ShowsWhatWasRecorded()
    {
        var history = Ops.Parse("p0 w1 [0,10] | p1 w2 [20,_]");   // p1's write never completed
        var input = Input(history, null) with { Status = ReportInput.StatusCrashed, CrashMessage = "watchdog" };

        var html = WriteAndRead(input);

        Assert.Contains("The history below may be partial.", html, StringComparison.Ordinal);
        // Two writes invoked, one ok, one never completed (info); availability 50 %.
        Assert.Contains("<tr class=\"total\"><td>(all)</td><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">50 %</td>", html, StringComparison.Ordinal);
        Assert.Contains("No checker results: the run was not checked.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_DrawsLatencyAndThroughputAsValidPngAndSvg()
    {
        var history = SampleRun.Build(staleRead: true);
        var result = Linearizable(history);
        Assert.Equal(Validity.Invalid, result.Validity);

        var files = RunReport.Write(Input(history, result), dir.Path);
        var html = File.ReadAllText(files.Index);

        var names = files.Images.Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["latency-quantiles.png", "latency-quantiles.svg", "latency.png", "latency.svg", "throughput.png", "throughput.svg"], names);
        foreach (var png in files.Images.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 1000, $"{png} is {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
            Assert.Equal(1100, ReadBigEndian(bytes, 16));   // IHDR width
            Assert.Equal(420, ReadBigEndian(bytes, 20));    // IHDR height
        }
        foreach (var svg in files.Images.Where(f => f.EndsWith(".svg", StringComparison.Ordinal)))
        {
            var root = System.Xml.Linq.XDocument.Load(svg).Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.True(new FileInfo(svg).Length > 1000, $"{svg} is nearly empty");
        }
        Assert.Contains("<img src=\"latency.png\"", html, StringComparison.Ordinal);
        Assert.Contains("<img src=\"throughput.png\"", html, StringComparison.Ordinal);
        Assert.Contains("<img src=\"latency-quantiles.png\"", html, StringComparison.Ordinal);
        // Each window is labelled with its kind on the plots, not only in the legend.
        var texts = System.Xml.Linq.XDocument.Load(Path.Combine(dir.Path, "latency.svg")).Descendants()
            .Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("partition", texts);
        Assert.Contains("fault: partition", texts);
        Assert.Contains("kill", texts);
        // The fault table: two stopped windows and a kill never healed.
        Assert.Contains("partition</td><td>5</td><td>10.05</td>", html, StringComparison.Ordinal);
        Assert.Contains("pause</td><td>12</td><td>15.05</td>", html, StringComparison.Ordinal);
        Assert.Contains("kill</td><td>20</td><td>not stopped: to the end</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WhenNoOpHasATime_SaysThereIsNothingToPlot()
    {
        var history = new HistoryList([new Op(0, -1, OpType.Invoke, 0, "read", Value.Nil), new Op(1, -1, OpType.Ok, 0, "read", Value.Nil)]);

        var files = RunReport.Write(Input(history, null), dir.Path);

        Assert.Empty(files.Images);
        Assert.Contains("nothing to plot", File.ReadAllText(files.Index), StringComparison.Ordinal);
    }

    private static int ReadBigEndian(byte[] bytes, int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];

    private static int Occurrences(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private sealed class Crashing : IChecker
    {
        public string Name => "crashing";

        public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default) =>
            throw new InvalidOperationException("boom <b>");
    }
}
