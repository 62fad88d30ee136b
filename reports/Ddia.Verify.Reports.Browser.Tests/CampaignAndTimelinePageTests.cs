using System.Diagnostics;
using System.Text.Json;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Campaign;
using PuppeteerSharp;
using Ddia.Verify.Testing;
using Xunit.Abstractions;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Browser.Tests;

/// <summary>The campaign index with real run reports behind its links, and the timeline of a 100,000-op history.</summary>
public sealed class CampaignAndTimelinePageTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>, IDisposable
{
    private readonly OutputDirectory written = new();

    public void Dispose() => written.Dispose();

    [Fact]
    public async Task CampaignIndex_ListsEveryRun_AndItsLinksOpenTheRunReports()
    {
        var store = Path.Combine(written.Path, "store");
        var started = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        // Two runs as a campaign leaves them: a broken configuration caught, and a correct one that failed its expectation.
        var skew = Histories.WriteSkew();
        var txn = Checkers.Checkers.Compose(new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["serializable"] }))
            .Check(skew, new CheckOptions());
        RunReport.Write(new ReportInput { TestName = "txn-snapshot", History = skew, Result = txn }, Path.Combine(store, "txn-snapshot", "20261206T100000.000Z"));
        var register = Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");
        var lin = Checkers.Checkers.Compose(new LinearizabilityChecker(ModelCatalog.Create("register"))).Check(register, new CheckOptions());
        RunReport.Write(new ReportInput { TestName = "raft-log-reads", History = register, Result = lin }, Path.Combine(store, "raft-log-reads", "20261206T100100.000Z"));
        CampaignEntry[] entries =
        [
            new("txn-snapshot", "txn", "snapshot", "list-append", "kill, pause", "invalid: G2-item", "invalid", "invalid: G2-item", null, "ok",
                TimeSpan.FromSeconds(21.4), "txn-snapshot/20261206T100000.000Z/index.html"),
            new("raft-log-reads", "raft", "log reads", "register", "partition", "valid", "invalid", "invalid: nonlinearizable",
                "verdict invalid, expected valid", "ok", TimeSpan.FromSeconds(33), "raft-log-reads/20261206T100100.000Z/index.html"),
        ];
        StoredRun[] storeRuns =
        [
            new("raft-log-reads", started.AddMinutes(1), "invalid", "ok", TimeSpan.FromSeconds(33), "raft-log-reads/20261206T100100.000Z", true),
            new("txn-snapshot", started, "invalid", "ok", TimeSpan.FromSeconds(21.4), "txn-snapshot/20261206T100000.000Z", true),
        ];
        var (index, junit) = CampaignIndex.Write(store, "nightly", started, entries, storeRuns);
        Assert.True(File.Exists(junit));

        await using var tab = await chromium.OpenAsync(index);

        var body = await tab.Page.EvaluateExpressionAsync<string>("document.body.innerText");
        Assert.Contains("1 of 2", body, StringComparison.Ordinal);
        var reportLinks = await tab.Page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('a')].map(a => a.getAttribute('href')).filter(h => h.endsWith('index.html'))");
        Assert.Contains("txn-snapshot/20261206T100000.000Z/index.html", reportLinks);
        Assert.Contains("raft-log-reads/20261206T100100.000Z/index.html", reportLinks);
        output.WriteLine("screenshot: " + await tab.ScreenshotAsync("campaign-index"));

        // Following a link, as a reader does, opens that run's report with its cycle drawn.
        var navigation = tab.Page.WaitForNavigationAsync();
        await tab.Page.ClickAsync("a[href='txn-snapshot/20261206T100000.000Z/index.html']");
        await navigation;
        Assert.Equal("INVALID", await tab.Page.EvaluateExpressionAsync<string>("document.querySelector('#verdict').textContent"));
        Assert.True(await tab.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('svg.cycle-diagram').length") > 0);
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task Timeline_Of100000Ops_PaintsWithoutFreezing_AndFindsAnOpByItsIndex()
    {
        var history = HundredThousandOps();
        var write = Stopwatch.StartNew();
        var report = RunReport.Write(new ReportInput { TestName = "register-100k", History = history }, Path.Combine(written.Path, "100k"));
        write.Stop();
        var size = new FileInfo(report.Timeline!).Length;

        await using var tab = await chromium.OpenAsync(report.Timeline!);
        await tab.Page.WaitForFunctionAsync("() => window.timelineReady", new WaitForFunctionOptions { Timeout = 120_000 });

        // Paint timing as the browser measured it, from the start of navigation (ms).
        var timing = await tab.Page.EvaluateExpressionAsync<JsonElement>("""
            (() => {
              const nav = performance.getEntriesByType('navigation')[0];
              const paint = name => performance.getEntriesByName(name)[0]?.startTime ?? null;
              return {
                firstPaint: paint('first-paint'), firstContentfulPaint: paint('first-contentful-paint'),
                firstDraw: paint('timeline-first-draw'), domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                parseMs: window.timelineReady.parseMs, drawMs: window.timelineReady.drawMs, ops: window.timelineReady.ops,
              };
            })()
            """);
        Assert.Equal(100_000, timing.GetProperty("ops").GetInt32());
        Assert.True(timing.GetProperty("firstDraw").ValueKind == JsonValueKind.Number, "the timeline never drew");

        // Still responsive: scrolling to the middle of the run redraws within a frame or two.
        var scrollMs = await tab.Page.EvaluateExpressionAsync<double>("""
            new Promise(done => {
              const s = document.getElementById('timeline-scroll');
              const t0 = performance.now();
              s.scrollTop = s.scrollHeight / 2;
              requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
            })
            """);
        // Hovering an op shows its values: move over the canvas until a box is under the mouse.
        var hovered = false;
        for (var y = 80; y < 880 && !hovered; y += 23)
        {
            for (var x = 90; x < 1380 && !hovered; x += 37)
            {
                await tab.Page.Mouse.MoveAsync(x, y);
                hovered = await tab.Page.EvaluateExpressionAsync<bool>("!document.getElementById('timeline-tooltip').hidden");
            }
        }
        Assert.True(hovered, "no op showed a tooltip under the mouse");
        var tip = await tab.Page.EvaluateExpressionAsync<string>("document.getElementById('timeline-tooltip').textContent");
        Assert.Matches("(read|write|cas)", tip);

        // A report's op link: the timeline scrolls to that op and selects it.
        await tab.Page.EvaluateExpressionAsync("location.hash = '#op=150001'");
        await tab.Page.WaitForFunctionAsync("() => document.getElementById('timeline-selected').textContent.includes('150001')",
            new WaitForFunctionOptions { Timeout = 30_000 });

        var measured = new
        {
            ops = 100_000,
            historyEntries = history.Count,
            pageBytes = size,
            writeReportSeconds = write.Elapsed.TotalSeconds,
            firstPaintMs = Number(timing, "firstPaint"),
            firstContentfulPaintMs = Number(timing, "firstContentfulPaint"),
            timelineFirstDrawMs = Number(timing, "firstDraw"),
            domContentLoadedMs = Number(timing, "domContentLoaded"),
            dataParseMs = Number(timing, "parseMs"),
            firstDrawOnlyMs = Number(timing, "drawMs"),
            scrollRedrawMs = scrollMs,
        };
        var json = JsonSerializer.Serialize(measured, Indented);
        await File.WriteAllTextAsync(Path.Combine(Artefacts.Directory, "timeline-100k.json"), json);
        output.WriteLine(json);
        output.WriteLine("screenshot: " + await tab.ScreenshotAsync("timeline-100k"));
        Assert.Empty(tab.Problems);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static double? Number(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Number ? Math.Round(e.GetProperty(name).GetDouble(), 1) : null;

    /// <summary>
    /// 100,000 register ops by 10 clients over 8 keys (1 % of them info, whose clients go on as new processes), spread
    /// over 60 s, with a partition from 20 s to 30 s and a kill from 40 s to 45 s.
    /// </summary>
    private static HistoryList HundredThousandOps()
    {
        var generated = HistoryGenerator.Generate(seed: 100, ops: 100_000, keys: 8, processes: 10, infoRate: 0.01);
        var last = generated.Max(op => op.Time);
        var scale = 60e9 / Math.Max(1, last);
        var ops = generated.Select(op => op with { Time = (long)(op.Time * scale) }).ToList();
        void Fault(long seconds, string f) =>
            ops.Add(new Op(0, seconds * 1_000_000_000, OpType.Info, Op.NemesisProcess, f, Value.Nil));
        Fault(20, "start-partition");
        Fault(30, "stop-partition");
        Fault(40, "kill");
        Fault(45, "start");
        return new HistoryList(ops.OrderBy(o => o.Time).Select((o, i) => o with { Index = i }));
    }
}
