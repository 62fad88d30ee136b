using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;
using Ddia.Verify.Testing;
using Xunit.Abstractions;

namespace Ddia.Verify.Reports.Browser.Tests;

/// <summary>Run reports as an engineer opens them: in a real browser, from disk, with nothing else to fetch.</summary>
public sealed class RunReportPageTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>, IDisposable
{
    private readonly OutputDirectory written = new();

    public void Dispose() => written.Dispose();

    [Fact]
    public async Task LinearizabilityFailure_RendersVerdictPlotsAndTheFailureDiagram()
    {
        // A real Jepsen history: RethinkDB under partitions, not linearizable (Knossos' test data).
        var file = HistoryReader.Read(Path.Combine(RepoFiles.Corpora, "knossos/data/cas-register/bad/rethink-fail-smaller.edn"));
        var result = Checkers.Checkers.Compose(new LinearizabilityChecker(ModelCatalog.Create("cas-register", null, file.Conventions)))
            .Check(file.History, new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);
        var report = RunReport.Write(new ReportInput
        {
            TestName = "rethinkdb-cas-register",
            History = file.History,
            Result = result,
            Options = [new("system", "rethinkdb (Jepsen)"), new("workload", "cas-register")],
        }, Path.Combine(written.Path, "linearizability"));

        await using var tab = await chromium.OpenAsync(report.Index);

        Assert.Equal("INVALID", await Text(tab, "#verdict"));
        await tab.AssertImagesLoadedAsync(minimum: 3);
        Assert.True(await tab.Page.EvaluateExpressionAsync<bool>("!!document.querySelector('.linearizability svg')"), "the failure's time-axis diagram");
        Assert.Contains("linearizable", await Text(tab, "#verdicts"), StringComparison.Ordinal);
        output.WriteLine("screenshot: " + await tab.ScreenshotAsync("linearizability-failure"));
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task G2ItemCycle_RendersTheCycleDiagramBesideItsExplanation()
    {
        var history = Histories.WriteSkew();
        var result = Checkers.Checkers.Compose(new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["serializable"] }))
            .Check(history, new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Contains(result.Anomalies, a => a.Kind.StartsWith("G2-item", StringComparison.Ordinal));
        var report = RunReport.Write(new ReportInput
        {
            TestName = "list-append-snapshot-isolation",
            History = history,
            Result = result,
            Options = [new("system", "txn"), new("configuration", "snapshot"), new("workload", "list-append")],
        }, Path.Combine(written.Path, "g2-item"));

        await using var tab = await chromium.OpenAsync(report.Index);

        Assert.Equal("INVALID", await Text(tab, "#verdict"));
        await tab.AssertImagesLoadedAsync(minimum: 3);
        var cycles = await tab.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('svg.cycle-diagram').length");
        Assert.True(cycles > 0, "no cycle diagram");
        // The first diagram draws its transactions and labels its edges with the relations of a G2-item: two rw.
        var labels = await tab.Page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelector('svg.cycle-diagram').querySelectorAll('text')].map(t => t.textContent.trim())");
        Assert.Contains("T1", labels);
        Assert.Contains("T2", labels);
        Assert.Equal(2, labels.Count(l => l.StartsWith("rw ", StringComparison.Ordinal)));   // "rw x0", "rw y0"
        // Drawn, not just present: the browser laid it out with a real size.
        Assert.True(await tab.Page.EvaluateExpressionAsync<double>("document.querySelector('svg.cycle-diagram').getBoundingClientRect().width") > 100);
        Assert.Contains("serializable", await Text(tab, "#verdicts"), StringComparison.Ordinal);
        output.WriteLine("screenshot: " + await tab.ScreenshotAsync("g2-item-cycle"));
        Assert.Empty(tab.Problems);
    }

    private static Task<string> Text(ReportTab tab, string selector) =>
        tab.Page.EvaluateFunctionAsync<string>("s => document.querySelector(s)?.textContent?.trim() ?? ''", selector);
}
