using System.Xml.Linq;
using Ddia.Verify.Testing;
using Xunit.Abstractions;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>
/// What an engineer opens after a campaign on real clusters: the campaign index, and from it the report of a run that
/// read stale values (a linearizability failure) and of a store at snapshot isolation (a G2-item cycle), in headless
/// Chromium. Screenshots go to artifacts/browser/.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ReportPagesEndToEndTests(StoreDir store, Chromium chromium, ITestOutputHelper output) : IClassFixture<StoreDir>, IClassFixture<Chromium>
{
    private const string StaleReads = "leader-async-follower-reads";
    private const string WriteSkew = "txn-snapshot";

    [Fact]
    public async Task Campaign_IndexJUnitAndReports_OpenInChromium_WithTheFailureViews()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root (network namespaces, iptables), as CI has");
        var (exit, log) = await Launcher.RunAsync(TimeSpan.FromMinutes(4), "campaign", "--only", $"{StaleReads},{WriteSkew}", "--store", store.Path, "--seed", "11");
        Assert.True(exit == 0, $"the two runs did not get what they expect (exit {exit})\n{log}");
        Assert.Empty(MachineState.Leftovers());

        // junit.xml: one test case per run, none failed.
        var suite = XDocument.Load(Path.Combine(store.Path, "junit.xml")).Root!;
        Assert.Equal(("2", "0", "0"), ((string?)suite.Attribute("tests"), (string?)suite.Attribute("failures"), (string?)suite.Attribute("errors")));
        Assert.Equal([StaleReads, WriteSkew], suite.Elements("testcase").Select(t => (string?)t.Attribute("name")).Order(StringComparer.Ordinal));

        await using (var index = await chromium.OpenAsync(Path.Combine(store.Path, "index.html")))
        {
            Assert.Contains("2 of 2 as expected", await index.Page.EvaluateExpressionAsync<string>("document.body.innerText"), StringComparison.Ordinal);
            output.WriteLine("screenshot: " + await index.ScreenshotAsync("e2e-campaign-index"));
            Assert.Empty(index.Problems);
        }

        await using (var stale = await OpenReport(StaleReads))
        {
            Assert.Equal("INVALID", await stale.Page.EvaluateExpressionAsync<string>("document.querySelector('#verdict').textContent"));
            Assert.True(await stale.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('.linearizability svg').length") > 0, "no failure diagram");
            await stale.AssertImagesLoadedAsync(minimum: 3);
            // The run had faults: the coverage table names what they hit.
            Assert.Contains("partition", await stale.Page.EvaluateExpressionAsync<string>("document.querySelector('#fault-coverage').innerText"), StringComparison.Ordinal);
            output.WriteLine("screenshot: " + await stale.ScreenshotAsync("e2e-linearizability-failure"));
            Assert.Empty(stale.Problems);
        }

        await using (var skew = await OpenReport(WriteSkew))
        {
            Assert.True(await skew.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('[id^=\"anomaly-G2-item\"] svg.cycle-diagram').length") > 0, "no G2-item cycle drawn");
            await skew.AssertImagesLoadedAsync(minimum: 3);
            output.WriteLine("screenshot: " + await skew.ScreenshotAsync("e2e-g2-item"));
            Assert.Empty(skew.Problems);
        }
    }

    /// <summary>Opens a run's report by following the campaign index's link to it.</summary>
    private async Task<ReportTab> OpenReport(string run)
    {
        var tab = await chromium.OpenAsync(Path.Combine(store.Path, "index.html"));
        var href = await tab.Page.EvaluateFunctionAsync<string>(
            "run => [...document.querySelectorAll('tr')].find(r => r.cells[0]?.textContent.trim() === run)?.querySelector('a[href$=\"index.html\"]')?.getAttribute('href') ?? ''", run);
        Assert.StartsWith(run + "/", href, StringComparison.Ordinal);
        var navigation = tab.Page.WaitForNavigationAsync();
        await tab.Page.ClickAsync($"a[href='{href}']");
        await navigation;
        return tab;
    }
}
