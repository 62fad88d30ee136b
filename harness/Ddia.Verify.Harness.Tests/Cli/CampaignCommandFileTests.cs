using System.Text.Json;
using System.Xml.Linq;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>
/// <c>ddia-verify campaign FILE</c> end to end, in-process: real transactional-store nodes on loopback addresses, a
/// few seconds a run. A campaign passes only when every run gets what it expects; each campaign leaves a record in the
/// store and the index keeps the earlier ones.
/// </summary>
[Trait("Category", "Process")]
public class CampaignCommandFileTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    /// <summary>ddia-node.dll as the build beside these tests made it (the harness project builds it).</summary>
    private static string NodeProgram()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(Repo.Root, "systems", "Ddia.Verify.Node", "bin", configuration, "net10.0", "ddia-node.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the harness first");
        return dll;
    }

    private const string SerializableRun = """
          - name: txn-ssi
            system: txn
            isolation: serializable
            workload: list-append
            loopback: true
            concurrency: 4
            rate: 100
            time-limit: 3
            expect: valid
            never-finds: [G0, G1, lost-update]
        """;

    [Fact]
    public void CampaignFile_PassesWhenEveryRunIsAsExpected_FailsOtherwise_AndKeepsEveryCampaignInTheIndex()
    {
        var store = Path.Combine(dir.Path, "store");
        var good = dir.Write("good.yaml", "name: tiny\nseed: 3\nentries:\n" + SerializableRun + "\n");
        var first = Cli.Run("campaign", good, "--store", store, "--node-program", NodeProgram());
        Assert.True(first.Exit == 0, first.ToString());
        Assert.Contains("seed 3", first.Stdout, StringComparison.Ordinal);

        // The same correct configuration, told to expect a broken one: the campaign must fail on it.
        var wrong = dir.Write("wrong.yaml", "name: tiny\nseed: 4\nentries:\n" + SerializableRun + "\n" + """
          - name: txn-ssi-wrong
            system: txn
            isolation: serializable
            workload: list-append
            loopback: true
            concurrency: 4
            rate: 100
            time-limit: 3
            expect: invalid
            finds: G2-item
        """ + "\n");
        var second = Cli.Run("campaign", wrong, "--store", store, "--node-program", NodeProgram());
        Assert.True(second.Exit == 1, second.ToString());

        var junit = XDocument.Load(Path.Combine(store, "junit.xml")).Root!;
        Assert.Equal("2", junit.Attribute("tests")!.Value);
        Assert.Equal("1", junit.Attribute("failures")!.Value);
        Assert.Equal("0", junit.Attribute("errors")!.Value);
        var failed = Assert.Single(junit.Elements("testcase"), c => c.Element("failure") is not null);
        Assert.Equal("txn-ssi-wrong", failed.Attribute("name")!.Value);

        // Two records, each with its runs' outcomes and latencies.
        var records = Directory.GetFiles(Path.Combine(store, "campaigns"), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, records.Count);
        using var latest = JsonDocument.Parse(File.ReadAllText(records[1]));
        var root = latest.RootElement;
        Assert.Equal("tiny", root.GetProperty("name").GetString());
        Assert.Equal(wrong, root.GetProperty("file").GetString());
        Assert.Equal(4UL, root.GetProperty("seed").GetUInt64());
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["txn-ssi", "txn-ssi-wrong"], runs.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal([true, false], runs.Select(r => r.GetProperty("match").GetBoolean()));
        Assert.All(runs, r =>
        {
            Assert.Equal("valid", r.GetProperty("verdict").GetString());
            Assert.Equal("txn", r.GetProperty("system").GetString());
            Assert.Equal("ok", r.GetProperty("status").GetString());
            var p50 = r.GetProperty("p50Ms").GetDouble();
            var p99 = r.GetProperty("p99Ms").GetDouble();
            Assert.True(p50 > 0 && p99 >= p50, $"p50 {p50} p99 {p99}");
            Assert.True(File.Exists(Path.Combine(store, r.GetProperty("report").GetString()!)));
        });

        // The index lists both campaigns, newest first, and txn-ssi's trend over both.
        var html = File.ReadAllText(Path.Combine(store, "index.html"));
        Assert.Contains("1 of 2 as expected", html, StringComparison.Ordinal);
        var campaigns = html[html.IndexOf("<table id=\"campaigns\">", StringComparison.Ordinal)..];
        Assert.True(campaigns.IndexOf("1 of 2 as expected", StringComparison.Ordinal) < campaigns.IndexOf("1 of 1 as expected", StringComparison.Ordinal));
        var trend = html[html.IndexOf("<tr class=\"trend\" data-run=\"txn-ssi\">", StringComparison.Ordinal)..];
        trend = trend[..trend.IndexOf("</tr>", StringComparison.Ordinal)];
        Assert.Equal(2, CountOf(trend, "class=\"dot match\""));
        Assert.Contains("<polyline class=\"p99\"", trend, StringComparison.Ordinal);
    }

    [Fact]
    public void CampaignFile_ARunItsSystemRejects_IsAUsageErrorWithTheLine_BeforeAnythingRuns()
    {
        var store = Path.Combine(dir.Path, "rejected");
        var file = dir.Write("rejected.yaml", "entries:\n  - name: ok\n    system: txn\n    workload: list-append\n    expect: valid\n  - name: raft-unsafe\n    system: raft\n    unsafe-heuristic: true\n    expect: valid\n");
        var run = Cli.Run("campaign", file, "--store", store, "--node-program", NodeProgram());

        Assert.True(run.Exit == 254, run.ToString());
        Assert.True(run.Stderr.Contains($"{file}:6: run 'raft-unsafe': --unsafe-heuristic: only for --system 2pc", StringComparison.Ordinal), run.ToString());
        Assert.False(Directory.Exists(store), "nothing may run before every run of the file composes");

        var syntax = Cli.Run("campaign", dir.Write("syntax.yaml", "entries:\n  - name: [\n"), "--store", store);
        Assert.Equal(254, syntax.Exit);
        Assert.Contains("syntax.yaml:", syntax.Stderr, StringComparison.Ordinal);

        var both = Cli.Run("campaign", file, "--validation", "--store", store);
        Assert.Equal(254, both.Exit);
    }

    private static int CountOf(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
