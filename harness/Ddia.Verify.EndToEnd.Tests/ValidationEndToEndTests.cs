using System.Xml.Linq;
using Ddia.Verify.Testing;
using Xunit.Abstractions;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>
/// <c>make validate</c>'s campaign on real third-party systems: etcd 3.4 (three members in network namespaces) and
/// PostgreSQL 15. Every known result must be reproduced on every run: etcd's linearizable reads hold, its serializable
/// reads go stale on an isolated member (with the failing key's view in the report), its lock loses updates under
/// pauses; PostgreSQL shows exactly Hermitage's row at each isolation level.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ValidationEndToEndTests(StoreDir store, Chromium chromium, ITestOutputHelper output) : IClassFixture<StoreDir>, IClassFixture<Chromium>
{
    private static readonly string[] Runs =
    [
        "etcd-linearizable", "etcd-lock-set-pauses", "etcd-serializable-reads",
        "postgres-read-committed", "postgres-repeatable-read", "postgres-serializable", "postgres-serializable-crashes",
    ];

    [Fact]
    public async Task ValidationCampaign_ReproducesEveryKnownResult()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root (network namespaces, iptables), as CI has");
        var (exit, log) = await Launcher.RunAsync(TimeSpan.FromMinutes(15), "campaign", "--validation", "--store", store.Path, "--seed", "21");
        output.WriteLine(log);
        Assert.True(exit == 0, $"a validation run did not get what it expects (exit {exit})\n{log}");
        Assert.Empty(MachineState.Leftovers());

        var suite = XDocument.Load(Path.Combine(store.Path, "junit.xml")).Root!;
        Assert.Equal((Runs.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "0", "0"),
            ((string?)suite.Attribute("tests"), (string?)suite.Attribute("failures"), (string?)suite.Attribute("errors")));
        Assert.Equal(Runs, suite.Elements("testcase").Select(t => (string)t.Attribute("name")!).Order(StringComparer.Ordinal));

        // The table README shows: one row per run, every one as expected.
        var table = await File.ReadAllLinesAsync(Path.Combine(store.Path, "campaign.md"));
        Assert.Equal(Runs.Length, table.Count(l => l.EndsWith("| as expected |", StringComparison.Ordinal)));

        // The stale reads are shown on the failing key's view.
        var report = Directory.GetFiles(Path.Combine(store.Path, "etcd-serializable-reads"), "index.html", SearchOption.AllDirectories).Single();
        await using var tab = await chromium.OpenAsync(report);
        Assert.Equal("INVALID", await tab.Page.EvaluateExpressionAsync<string>("document.querySelector('#verdict').textContent"));
        Assert.True(await tab.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('.linearizability svg').length") > 0, "no failure diagram");
        output.WriteLine("screenshot: " + await tab.ScreenshotAsync("e2e-etcd-stale-reads"));
        Assert.Empty(tab.Problems);
    }
}
