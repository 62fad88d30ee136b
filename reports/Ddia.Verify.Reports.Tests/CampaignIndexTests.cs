using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ddia.Verify.Reports.Campaign;

namespace Ddia.Verify.Reports.Tests;

public sealed partial class CampaignIndexTests : IDisposable
{
    private static readonly DateTimeOffset Started = new(2026, 12, 6, 10, 15, 0, TimeSpan.Zero);

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static CampaignEntry Entry(string run, string? verdict, string? mismatch, string status = "ok", double seconds = 30, string? report = null) =>
        new(run, "leader", "sync, leader reads", "register", "partition", "valid", verdict, verdict ?? "-", mismatch, status,
            TimeSpan.FromSeconds(seconds), report ?? $"{run}/20261206T101500.123Z/index.html");

    private static readonly CampaignEntry[] ThreeRuns =
    [
        Entry("leader-sync", "valid", null, seconds: 31.5),
        Entry("leader-async-failover", "valid", "verdict valid, expected invalid", seconds: 45),
        Entry("raft-lease", null, "the run crashed", status: "crashed", seconds: 2.25, report: "raft-lease/20261206T102000.000Z/index.html"),
    ];

    private static readonly StoredRun[] StoreRuns =
    [
        new("raft-lease", Started.AddMinutes(5), null, "crashed", TimeSpan.FromSeconds(2), "raft-lease/20261206T102000.000Z", HasReport: true),
        new("leader-async-failover", Started.AddMinutes(2), "valid", "ok", TimeSpan.FromSeconds(45), "leader-async-failover/20261206T101700.000Z", HasReport: true),
        new("old-run", Started.AddDays(-1), null, "incomplete", null, "old-run/20261205T090000.000Z", HasReport: false),
    ];

    private (string Html, XDocument JUnit) Write(IReadOnlyList<CampaignEntry> entries, IReadOnlyList<StoredRun>? runs = null)
    {
        var (index, junit) = CampaignIndex.Write(dir.Path, "campaign of 6 December", Started, entries, runs ?? StoreRuns);
        Assert.Equal(Path.Combine(dir.Path, "index.html"), index);
        Assert.Equal(Path.Combine(dir.Path, "junit.xml"), junit);
        return (File.ReadAllText(index), XDocument.Load(junit));
    }

    private static List<string> Hrefs(string html) => [.. HrefPattern().Matches(html).Select(m => m.Groups[1].Value)];

    [Fact]
    public void Write_CountsRunsAsExpectedAndColoursEachRowByMatch()
    {
        var (html, _) = Write(ThreeRuns);

        Assert.Contains("<div id=\"summary\" class=\"summary some\">1 of 3 as expected</div>", html, StringComparison.Ordinal);
        Assert.Equal(1, Regex.Count(html, "<tr class=\"match\">"));
        Assert.Equal(2, Regex.Count(html, "<tr class=\"mismatch\">"));
        Assert.Contains("<td class=\"match\">NOT as expected: verdict valid, expected invalid</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"valid\">valid</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"unchecked\">-</td>", html, StringComparison.Ordinal);   // the crashed run has no verdict
        Assert.Contains("<td class=\"num\">31.5 s</td>", html, StringComparison.Ordinal);
        Assert.Contains("time in runs: 1 min 18 s", html, StringComparison.Ordinal);

        var (allGood, _) = Write([ThreeRuns[0]]);
        Assert.Contains("<div id=\"summary\" class=\"summary all\">1 of 1 as expected</div>", allGood, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ListsEveryStoredRunInTheGivenOrderWithRelativeLinks()
    {
        var (html, _) = Write(ThreeRuns);

        var store = html[html.IndexOf("Every run in the store", StringComparison.Ordinal)..];
        var tests = StoreRuns.Select(r => store.IndexOf($"<tr class=\"run\"><td>{r.Test}</td>", StringComparison.Ordinal)).ToList();
        Assert.All(tests, position => Assert.True(position >= 0));
        Assert.Equal(tests.Order(), tests);
        Assert.Contains("<td class=\"unchecked\">not checked</td><td>incomplete</td>", store, StringComparison.Ordinal);

        var hrefs = Hrefs(html);
        Assert.Contains("leader-sync/20261206T101500.123Z/index.html", hrefs);                 // a campaign run's report
        Assert.Contains("raft-lease/20261206T102000.000Z/index.html", hrefs);                  // a stored run's report
        Assert.Contains("raft-lease/20261206T102000.000Z/", hrefs);                            // and its files
        Assert.Contains("old-run/20261205T090000.000Z/", hrefs);
        Assert.DoesNotContain("old-run/20261205T090000.000Z/index.html", hrefs);               // no report written: no link
        Assert.Contains("junit.xml", hrefs);
        Assert.All(hrefs, h =>
        {
            Assert.False(h.StartsWith('/'), h);
            Assert.DoesNotContain(":", h, StringComparison.Ordinal);
            Assert.DoesNotContain("..", h, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Write_IsSelfContained_NoExternalUrlNoScript()
    {
        var (html, _) = Write(ThreeRuns);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<style>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?i)https?://", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("(?i)src=", html);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Write_EscapesHostileNamesAndLinksNoScheme()
    {
        var hostile = new CampaignEntry("<script>alert(1)</script>", "sys\" onmouseover=\"x", "a & b", "<img src=x onerror=alert(2)>", "'quoted'",
            "valid", "invalid", "invalid: <b>G0</b>", "expected </td> \u0001 \0 too", "ok", TimeSpan.FromSeconds(1), "javascript:alert(3)");
        var storeRun = new StoredRun("<i>test</i>", Started, "valid", "ok", TimeSpan.FromSeconds(1), "a\"b/20261206T101500.123Z", HasReport: true);

        var (html, junit) = Write([hostile], [storeRun]);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>G0", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>test", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\" onmouseover", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("a &amp; b", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Hrefs(html), h => h.Contains("javascript", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("<code>javascript:alert(3)</code>", html, StringComparison.Ordinal);     // shown, not linked
        Assert.Contains("a%22b/20261206T101500.123Z/index.html", Hrefs(html));                  // escaped inside the href

        // XML cannot hold U+0001 or NUL: they are replaced, and the file still parses with the rest of the text.
        var failure = junit.Descendants("failure").Single();
        Assert.Equal("expected </td> \uFFFD \uFFFD too", failure.Attribute("message")!.Value);
        Assert.Equal("<script>alert(1)</script>", junit.Descendants("testcase").Single().Attribute("name")!.Value);
    }

    [Fact]
    public void Write_JUnit_OneCasePerRun_MismatchIsAFailure_UnfinishedRunIsAnError()
    {
        var (_, junit) = Write(ThreeRuns);

        var suite = junit.Root!;
        Assert.Equal("testsuite", suite.Name.LocalName);
        Assert.Equal("ddia-verify campaign", suite.Attribute("name")!.Value);
        Assert.Equal("3", suite.Attribute("tests")!.Value);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        Assert.Equal("1", suite.Attribute("errors")!.Value);
        Assert.Equal(78.75, double.Parse(suite.Attribute("time")!.Value, CultureInfo.InvariantCulture), 3);
        Assert.Equal("2026-12-06T10:15:00", suite.Attribute("timestamp")!.Value);

        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(ThreeRuns.Select(e => e.Run), cases.Select(c => c.Attribute("name")!.Value));
        Assert.All(cases, c => Assert.Equal("leader", c.Attribute("classname")!.Value));
        Assert.Equal("31.5", cases[0].Attribute("time")!.Value);

        Assert.Empty(cases[0].Elements("failure"));
        Assert.Empty(cases[0].Elements("error"));

        var failure = Assert.Single(cases[1].Elements("failure"));
        Assert.Equal("verdict valid, expected invalid", failure.Attribute("message")!.Value);
        Assert.Contains("expected: valid", failure.Value, StringComparison.Ordinal);
        Assert.Contains("got: valid", failure.Value, StringComparison.Ordinal);
        Assert.Empty(cases[1].Elements("error"));

        var error = Assert.Single(cases[2].Elements("error"));
        Assert.Equal("crashed", error.Attribute("type")!.Value);
        Assert.Equal("the run crashed", error.Attribute("message")!.Value);
        Assert.Empty(cases[2].Elements("failure"));

        Assert.Contains("report: raft-lease/20261206T102000.000Z/index.html", cases[2].Element("system-out")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WithNoRuns_WritesAnEmptySuiteAndSaysSo()
    {
        var (html, junit) = Write([], []);

        Assert.Contains("0 of 0 as expected", html, StringComparison.Ordinal);
        Assert.Contains("id=\"no-runs\"", html, StringComparison.Ordinal);
        Assert.Equal("0", junit.Root!.Attribute("tests")!.Value);
        Assert.Empty(junit.Root.Elements("testcase"));
    }

    [Fact]
    public void Write_AgainReplacesBothFiles()
    {
        Write(ThreeRuns);
        var (html, junit) = Write([ThreeRuns[0]]);

        Assert.Contains("1 of 1 as expected", html, StringComparison.Ordinal);
        Assert.Equal("1", junit.Root!.Attribute("tests")!.Value);
        Assert.Equal(["index.html", "junit.xml"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex HrefPattern();
}
