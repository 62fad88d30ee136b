using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ddia.Verify.Reports.Campaign;

namespace Ddia.Verify.Reports.Tests.Campaign;

/// <summary>Campaign records in the store, and the index's list of campaigns and per-run trends drawn from them.</summary>
public sealed partial class CampaignTrendsTests : IDisposable
{
    private static readonly DateTimeOffset Monday = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static CampaignRecordRun Run(string name, bool match, double? p50, double? p99, string verdict = "valid") =>
        new(name, "raft", "log reads", "register", "partition", "valid", verdict, verdict, match, match ? null : "verdict invalid, expected valid",
            "ok", 30, p50, p99, $"{name}/20261207T020000.000Z/index.html");

    private static CampaignEntry Entry(CampaignRecordRun r) =>
        new(r.Name, r.System, r.Configuration, r.Workload, r.Faults, r.Expected, r.Verdict, r.Got, r.Mismatch, r.Status, TimeSpan.FromSeconds(r.DurationSeconds), r.Report);

    /// <summary>Three nights: raft-log-reads regresses on the third (not as expected, slower); lock-fenced was not
    /// run on the second.</summary>
    private IReadOnlyList<CampaignRecord> ThreeNights()
    {
        CampaignRecord[] nights =
        [
            new("nightly", "campaigns/nightly.yaml", Monday, 1, [Run("raft-log-reads", true, 2.5, 9), Run("lock-fenced", true, 4, 12)]),
            new("nightly", "campaigns/nightly.yaml", Monday.AddDays(1), 2, [Run("raft-log-reads", true, 2.7, 10)]),
            new("nightly", "campaigns/nightly.yaml", Monday.AddDays(2), 3, [Run("raft-log-reads", false, 25, 90, "invalid"), Run("lock-fenced", true, 4.2, 13)]),
        ];
        foreach (var night in nights) CampaignRecords.Append(dir.Path, night);
        return CampaignRecords.Read(dir.Path, out _);
    }

    [Fact]
    public void Records_RoundTripThroughTheStore_NewestFirst_AndABadFileIsSkippedNotFatal()
    {
        var written = ThreeNights();
        File.WriteAllText(Path.Combine(dir.Path, CampaignRecords.Directory, "20261201T000000.000Z-cut.json"), "{\"name\": \"cut\", \"runs\": [");

        var records = CampaignRecords.Read(dir.Path, out var skipped);

        Assert.Equal([3UL, 2UL, 1UL], records.Select(r => r.Seed));
        Assert.Equal(written.Select(r => r.Started), records.Select(r => r.Started));
        Assert.EndsWith("-cut.json", Assert.Single(skipped), StringComparison.Ordinal);
        var newest = records[0];
        Assert.Equal(("nightly", "campaigns/nightly.yaml", 1), (newest.Name, newest.File, newest.AsExpected));
        Assert.Equal(Run("raft-log-reads", false, 25, 90, "invalid"), newest.Runs[0]);

        // The file is plain JSON a script can read: camelCase, one object per run.
        var file = Directory.GetFiles(Path.Combine(dir.Path, CampaignRecords.Directory), "20261209*.json").Single();
        Assert.Equal("20261209T020000.000Z-nightly.json", Path.GetFileName(file));
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var run = json.RootElement.GetProperty("runs")[0];
        Assert.Equal(25, run.GetProperty("p50Ms").GetDouble());
        Assert.False(run.GetProperty("match").GetBoolean());
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, CampaignRecords.Directory), "*.tmp"));
    }

    [Fact]
    public void Index_ListsEveryCampaign_AndEachRunsTrend_SoARegressionShows()
    {
        var records = ThreeNights();
        var current = records[0];

        var (index, junit) = CampaignIndex.Write(dir.Path, "ddia-verify campaign campaigns/nightly.yaml", current.Started,
            [.. current.Runs.Select(Entry)], [], records);
        var html = File.ReadAllText(index);

        // Every campaign, newest first, with its count.
        var campaigns = Table(html, "campaigns");
        Assert.Equal(3, Regex.Count(campaigns, "<tr class=\"campaign "));
        Assert.Equal(["1 of 2 as expected", "1 of 1 as expected", "2 of 2 as expected"], CountPattern().Matches(campaigns).Select(m => m.Value));
        Assert.Contains("2026-12-09 02:00:00 UTC", campaigns, StringComparison.Ordinal);
        Assert.Contains("2026-12-07 02:00:00 UTC", campaigns, StringComparison.Ordinal);

        // One trend row per run name, in this campaign's order; outcomes oldest first.
        var trends = Table(html, "trends");
        Assert.Equal(["raft-log-reads", "lock-fenced"], TrendRowPattern().Matches(trends).Select(m => m.Groups[1].Value));
        var raft = Row(trends, "raft-log-reads");
        Assert.Equal(["match", "match", "mismatch"], DotPattern().Matches(raft).Select(m => m.Groups[1].Value));
        Assert.Contains("2026-12-09 02:00:00 UTC nightly: invalid (NOT as expected: verdict invalid, expected valid), p50 25 ms, p99 90 ms", raft, StringComparison.Ordinal);
        var fenced = Row(trends, "lock-fenced");
        Assert.Equal(["match", "absent", "match"], DotPattern().Matches(fenced).Select(m => m.Groups[1].Value));

        // The latency lines: a p50 and a p99 polyline over three campaigns, the regression highest (smallest y).
        var p99 = PointsOf(raft, "p99");
        Assert.Equal(3, p99.Count);
        Assert.True(p99[2].Y < p99[1].Y && p99[1].Y <= p99[0].Y, string.Join(' ', p99));
        Assert.True(p99[0].X < p99[1].X && p99[1].X < p99[2].X);
        Assert.Equal(3, PointsOf(raft, "p50").Count);
        // A campaign without the run breaks its lines: two points, no line through the gap.
        Assert.DoesNotContain("<polyline", fenced, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(fenced, "<circle class=\"p99\""));

        // Self-contained, and the SVG is well-formed XML; JUnit is still this campaign's.
        Assert.DoesNotMatch("(?i)https?://", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("(?i)src=", html);
        foreach (Match svg in SvgPattern().Matches(html)) XDocument.Parse(svg.Value);
        Assert.Equal("2", XDocument.Load(junit).Root!.Attribute("tests")!.Value);
    }

    [Fact]
    public void Index_WithoutRecords_HasNoTrends_AndHostileNamesAreEscaped()
    {
        var plain = File.ReadAllText(CampaignIndex.Write(dir.Path, "t", Monday, [], [], []).Index);
        Assert.DoesNotContain("id=\"trends\"", plain, StringComparison.Ordinal);

        var hostile = new CampaignRecord("<b>x</b>", "a\"b.yaml", Monday, 1, [Run("<script>alert(1)</script>", false, null, null)]);
        var html = File.ReadAllText(CampaignIndex.Write(dir.Path, "t", Monday, [], [], [hostile]).Index);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>x", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;x&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("no ok ops", html, StringComparison.Ordinal);   // no latency: said, not drawn
    }

    [Fact]
    public void Latency_IsTheRunReportsOkLatencyQuantiles_FromTheRunsHistory()
    {
        var run = Path.Combine(dir.Path, "run");
        Directory.CreateDirectory(run);
        Assert.Equal((null, null), CampaignRecords.Latency(run));   // no history: no latency

        // Three ok ops of 2, 4 and 10 ms, a failed one of 1 ms (not counted) and one never completed.
        static string Op(int index, long ms, int process, string type, string f) =>
            $"{{\"index\":{index},\"time\":{ms * 1_000_000},\"process\":{process},\"type\":\"{type}\",\"f\":\"{f}\",\"value\":null}}";
        string[] lines =
        [
            Op(0, 0, 0, "invoke", "read"), Op(1, 1, 1, "invoke", "read"), Op(2, 2, 0, "ok", "read"), Op(3, 2, 2, "invoke", "read"),
            Op(4, 3, 3, "invoke", "read"), Op(5, 4, 3, "fail", "read"), Op(6, 5, 1, "ok", "read"), Op(7, 12, 2, "ok", "read"),
            Op(8, 13, 4, "invoke", "read"),
        ];
        File.WriteAllText(Path.Combine(run, "history.jsonl"), string.Join('\n', lines) + "\n");

        Assert.Equal((4.0, 10.0), CampaignRecords.Latency(run));
    }

    private static string Table(string html, string id)
    {
        var start = html.IndexOf($"<table id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no table {id}");
        return html[start..html.IndexOf("</table>", start, StringComparison.Ordinal)];
    }

    private static string Row(string table, string run)
    {
        var start = table.IndexOf($"data-run=\"{run}\"", StringComparison.Ordinal);
        return table[start..table.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static List<(double X, double Y)> PointsOf(string row, string quantile) =>
        [.. Regex.Matches(row, $"<circle class=\"{quantile}\" cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"")
            .Select(m => (double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))];

    [GeneratedRegex("[0-9]+ of [0-9]+ as expected")]
    private static partial Regex CountPattern();

    [GeneratedRegex("<tr class=\"trend\" data-run=\"([^\"]*)\">")]
    private static partial Regex TrendRowPattern();

    [GeneratedRegex("<span class=\"dot (match|mismatch|absent)\" title=")]
    private static partial Regex DotPattern();

    [GeneratedRegex("<svg class=\"latency-trend\".*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgPattern();
}
