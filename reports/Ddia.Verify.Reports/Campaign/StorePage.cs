using System.Globalization;
using System.Text;
using static Ddia.Verify.Reports.Html;

namespace Ddia.Verify.Reports.Campaign;

/// <summary>
/// The pages that browse a store: every run, newest first, and a directory's listing. Self-contained (inline CSS, no
/// script, no external URL); every name is escaped and every link is relative, so the same HTML works from a file and
/// behind <c>ddia-verify serve</c>.
/// </summary>
public static class StorePage
{
    // The run report's look (ReportPage), plus the row colours of the campaign table and the trends' dots.
    internal const string Style = BaseStyle + "\n" + CampaignTrends.Style + "\n" + """
        td { font-family: ui-monospace, monospace; font-size: 0.9em; overflow-wrap: break-word; }
        td.num { white-space: nowrap; }
        td.valid, span.valid { background: #2e7d32; color: #fff; font-weight: bold; }
        td.invalid, span.invalid { background: #c62828; color: #fff; font-weight: bold; }
        td.unknown, span.unknown { background: #757575; color: #fff; font-weight: bold; }
        td.unchecked { color: #757575; }
        span.valid, span.invalid, span.unknown { padding: 0.1em 0.4em; border-radius: 0.2em; }
        tr.match td:not(.valid):not(.invalid):not(.unknown) { background: #f1f8f1; }
        tr.mismatch td:not(.valid):not(.invalid):not(.unknown) { background: #fdecea; }
        tr.mismatch td.match { color: #c62828; font-weight: bold; }
        .summary { font-size: 1.6em; font-weight: bold; padding: 0.2em 0.6em; display: inline-block; border-radius: 0.2em; color: #fff; }
        .summary.all { background: #2e7d32; } .summary.some { background: #c62828; }
        .meta span { margin-right: 1.5em; }
        .note { color: #555; }
        td.num { text-align: right; }
        """;

    /// <summary>The page of every run in <paramref name="runs"/> (already newest first), linking to their files.</summary>
    public static string RunList(string title, IReadOnlyList<StoredRun> runs, RunLinks links, string? campaignIndexHref)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(links);
        var sb = Start(title);
        sb.Append("<h1>").Append(Escape(title)).Append("</h1>\n");
        if (SafeHref(campaignIndexHref) is { } campaign)
            sb.Append("<p><a id=\"campaign\" href=\"").Append(campaign).Append("\">The campaign index</a> (what the last campaign expected and got)</p>\n");
        RunsTable(sb, runs, links);
        return End(sb);
    }

    /// <summary>A directory's listing: subdirectories first, then files, each linked by its name.</summary>
    public static string DirectoryListing(string title, bool linkToParent, IReadOnlyList<ListedEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sb = Start(title);
        sb.Append("<h1>").Append(Escape(title)).Append("</h1>\n<table id=\"listing\">\n").HeaderRow("name", "size", "modified");
        if (linkToParent) sb.Append("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
        foreach (var e in entries.OrderBy(e => e.IsDirectory ? 0 : 1).ThenBy(e => e.Name, StringComparer.Ordinal))
        {
            var href = SafeHref(e.Name);
            var name = e.IsDirectory ? e.Name + "/" : e.Name;
            sb.Append("<tr><td>");
            if (href is null) sb.Append(Escape(name));   // a name that would read as a scheme: shown, not linked
            else sb.Append("<a href=\"").Append(href).Append(e.IsDirectory ? "/" : "").Append("\">").Append(Escape(name)).Append("</a>");
            sb.Append("</td><td class=\"num\">").Append(e.Length is { } n ? Escape(Size(n)) : "").Append("</td><td>")
              .Append(Escape(Time(e.Modified))).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
        return End(sb);
    }

    /// <summary>The table of runs: test, started, verdict, status, duration, links.</summary>
    internal static void RunsTable(StringBuilder sb, IReadOnlyList<StoredRun> runs, RunLinks links)
    {
        if (runs.Count == 0)
        {
            sb.Append("<p class=\"note\" id=\"no-runs\">No runs in this store yet.</p>\n");
            return;
        }
        sb.Append("<table id=\"runs\">\n").HeaderRow("test", "started", "verdict", "status", "duration", "");
        foreach (var r in runs)
        {
            var directory = r.Directory.TrimEnd('/');
            sb.Append("<tr class=\"run\"><td>").Append(Escape(r.Test)).Append("</td><td>").Append(Escape(Time(r.Started))).Append("</td>");
            VerdictCell(sb, r.Verdict, r.Verdict ?? "not checked");
            sb.Append("<td>").Append(Escape(r.Status)).Append("</td><td class=\"num\">").Append(r.Duration is { } d ? Escape(Html.Duration(d)) : "")
              .Append("</td><td>");
            var parts = new List<string>();
            if (r.HasReport && SafeHref(links.Files + directory + "/index.html") is { } report) parts.Add($"<a class=\"report\" href=\"{report}\">report</a>");
            if (SafeHref(links.Files + directory + "/") is { } files) parts.Add($"<a class=\"files\" href=\"{files}\">files</a>");
            if (links.Zip is not null && SafeHref(links.Zip + directory) is { } zip) parts.Add($"<a class=\"zip\" href=\"{zip}\">zip</a>");
            sb.Append(string.Join(" · ", parts)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    internal static void VerdictCell(StringBuilder sb, string? verdict, string text)
    {
        var css = verdict switch { "valid" => "valid", "invalid" => "invalid", "unknown" => "unknown", _ => "unchecked" };
        sb.Append("<td class=\"").Append(css).Append("\">").Append(Escape(text)).Append("</td>");
    }

    internal static StringBuilder Start(string title) => new StringBuilder()
        .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Escape(title))
        .Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

    internal static string End(StringBuilder sb) => sb.Append("</body>\n</html>\n").ToString();

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => Invariant($"{bytes} B"),
        < 1024 * 1024 => Invariant($"{bytes / 1024.0:0.#} KiB"),
        _ => Invariant($"{bytes / (1024.0 * 1024):0.#} MiB"),
    };
}
