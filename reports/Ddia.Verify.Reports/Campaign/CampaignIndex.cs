using System.Globalization;
using System.Text;
using static Ddia.Verify.Reports.Html;

namespace Ddia.Verify.Reports.Campaign;

/// <summary>
/// The campaign's index at the store root: <c>index.html</c> (what each run expected and got, then every run in the
/// store) and <c>junit.xml</c> (one test case per run, for CI systems). Links are relative to the store root, so the
/// page works opened as a file and under <c>ddia-verify serve</c>.
/// </summary>
public static class CampaignIndex
{
    public const string IndexFile = "index.html";
    public const string JUnitFile = "junit.xml";

    /// <summary>
    /// Writes <c>storeDirectory/index.html</c> (this campaign's runs: "N of M as expected", a table run / system /
    /// configuration / workload / faults / expected / got / match / duration / report, rows coloured by match; then
    /// every run in the store, newest first) and <c>storeDirectory/junit.xml</c>. Each file is replaced whole, so a
    /// reader never sees half of one. Returns both paths.
    /// </summary>
    public static (string Index, string JUnit) Write(
        string storeDirectory, string title, DateTimeOffset started, IReadOnlyList<CampaignEntry> entries, IReadOnlyList<StoredRun> storeRuns) =>
        Write(storeDirectory, title, started, entries, storeRuns, []);

    /// <summary>
    /// As above, and between this campaign and the store's runs: every recorded campaign in <paramref name="campaigns"/>
    /// (newest first, "N of M as expected") and each run's trend across them (<see cref="CampaignTrends"/>): its
    /// outcome per campaign, and its p50 and p99 latency as lines. <paramref name="campaigns"/> holds this campaign's
    /// record too when it was recorded (<see cref="CampaignRecords"/>).
    /// </summary>
    public static (string Index, string JUnit) Write(
        string storeDirectory, string title, DateTimeOffset started, IReadOnlyList<CampaignEntry> entries, IReadOnlyList<StoredRun> storeRuns,
        IReadOnlyList<CampaignRecord> campaigns)
    {
        ArgumentNullException.ThrowIfNull(storeDirectory);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(storeRuns);
        ArgumentNullException.ThrowIfNull(campaigns);
        Directory.CreateDirectory(storeDirectory);
        var index = Path.Combine(storeDirectory, IndexFile);
        var junit = Path.Combine(storeDirectory, JUnitFile);
        Replace(index, Encoding.UTF8.GetBytes(Render(title, started, entries, storeRuns, campaigns)));
        Replace(junit, JUnitReport.Render(started, entries));
        return (index, junit);
    }

    internal static string Render(
        string title, DateTimeOffset started, IReadOnlyList<CampaignEntry> entries, IReadOnlyList<StoredRun> storeRuns, IReadOnlyList<CampaignRecord> campaigns)
    {
        var sb = StorePage.Start(title);
        var asExpected = entries.Count(e => e.Mismatch is null);
        var total = entries.Sum(e => e.Duration.Ticks);
        sb.Append("<header>\n<h1>").Append(Escape(title)).Append("</h1>\n")
          .Append("<div id=\"summary\" class=\"summary ").Append(asExpected == entries.Count ? "all" : "some").Append("\">")
          .Append(Escape(Invariant($"{asExpected} of {entries.Count} as expected"))).Append("</div>\n")
          .Append("<p class=\"meta\"><span>started: ").Append(Escape(StorePage.Time(started))).Append("</span><span>runs: ")
          .Append(Escape(entries.Count.ToString(CultureInfo.InvariantCulture))).Append("</span><span>time in runs: ")
          .Append(Escape(Html.Duration(TimeSpan.FromTicks(total)))).Append("</span><span>JUnit: <a href=\"")
          .Append(SafeHref(JUnitFile)).Append("\">").Append(JUnitFile).Append("</a></span></p>\n</header>\n");

        sb.Append("<h2>This campaign</h2>\n");
        if (entries.Count == 0) sb.Append("<p class=\"note\">No runs.</p>\n");
        else
        {
            sb.Append("<table id=\"campaign\">\n")
              .HeaderRow("run", "system", "configuration", "workload", "faults", "expected", "got", "", "duration", "report");
            foreach (var e in entries)
            {
                sb.Append("<tr class=\"").Append(e.Mismatch is null ? "match" : "mismatch").Append("\">");
                foreach (var cell in new[] { e.Run, e.System, e.Configuration, e.Workload, e.Faults, e.Expected })
                    sb.Append("<td>").Append(Escape(cell)).Append("</td>");
                StorePage.VerdictCell(sb, e.Verdict, e.Got);
                sb.Append("<td class=\"match\">").Append(Escape(e.Mismatch is null ? "as expected" : "NOT as expected: " + e.Mismatch)).Append("</td>")
                  .Append("<td class=\"num\">").Append(Escape(Html.Duration(e.Duration))).Append("</td><td>");
                if (SafeHref(e.ReportLink) is { } href) sb.Append("<a class=\"report\" href=\"").Append(href).Append("\">report</a>");
                else if (e.ReportLink is not null) sb.Append("<code>").Append(Escape(e.ReportLink)).Append("</code>");   // not relative: shown, not linked
                sb.Append("</td></tr>\n");
            }
            sb.Append("</table>\n");
        }

        CampaignTrends.Append(sb, campaigns, [.. entries.Select(e => e.Run)]);

        sb.Append("<h2>Every run in the store</h2>\n");
        StorePage.RunsTable(sb, storeRuns, new RunLinks(Files: "", Zip: null));
        return StorePage.End(sb);
    }

    // Written beside the target, then renamed over it: ddia-verify serve may be reading the old one.
    private static void Replace(string path, byte[] contents)
    {
        var temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllBytes(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }
}
