using System.Globalization;
using System.Text;
using Ddia.Verify.Reports.Svg;
using static Ddia.Verify.Reports.Html;

namespace Ddia.Verify.Reports.Campaign;

/// <summary>
/// The campaign index's history: every recorded campaign (newest first, "N of M as expected"), then one row per run
/// name with its outcome in each campaign, oldest to newest (a green dot as expected, a red one not, a hollow one
/// when that campaign did not run it), and its p50 and p99 latency over the same campaigns as an inline SVG. A
/// regression shows as the first red dot, or a latency line that steps up.
/// </summary>
internal static class CampaignTrends
{
    /// <summary>At most this many campaigns in the trend columns (the newest); the list above keeps them all.</summary>
    public const int MaxColumns = 40;

    public const string Style = """
        span.dot { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%; margin: 0 1px; vertical-align: middle; box-sizing: border-box; }
        span.dot.match { background: #2e7d32; } span.dot.mismatch { background: #c62828; } span.dot.absent { border: 1px solid #bbb; }
        td.dots { white-space: nowrap; }
        td.count.all { color: #2e7d32; font-weight: bold; } td.count.some { color: #c62828; font-weight: bold; }
        svg.latency-trend { vertical-align: middle; }
        .legend span { margin-right: 1em; }
        .p50 { color: #1565c0; } .p99 { color: #ef6c00; }
        """;

    private const string P50Colour = "#1565c0";
    private const string P99Colour = "#ef6c00";

    /// <summary>Appends the list of campaigns and the trends; nothing when no campaign was recorded.</summary>
    public static void Append(StringBuilder sb, IReadOnlyList<CampaignRecord> campaigns, IReadOnlyList<string> currentOrder)
    {
        if (campaigns.Count == 0) return;
        var newestFirst = campaigns.OrderByDescending(c => c.Started).ToList();

        sb.Append("<h2>Campaigns</h2>\n<table id=\"campaigns\">\n").HeaderRow("started", "campaign", "file", "as expected", "time in runs");
        foreach (var c in newestFirst)
        {
            var all = c.AsExpected == c.Runs.Count;
            sb.Append("<tr class=\"campaign ").Append(all ? "match" : "mismatch").Append("\"><td>").Append(Escape(StorePage.Time(c.Started)))
              .Append("</td><td>").Append(Escape(c.Name)).Append("</td><td>").Append(Escape(c.File ?? "(built in)"))
              .Append("</td><td class=\"count ").Append(all ? "all" : "some").Append("\">")
              .Append(Escape(Invariant($"{c.AsExpected} of {c.Runs.Count} as expected"))).Append("</td><td class=\"num\">")
              .Append(Escape(Html.Duration(TimeSpan.FromSeconds(c.Runs.Sum(r => Math.Max(0, r.DurationSeconds)))))).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");

        var columns = newestFirst.Take(MaxColumns).Reverse().ToList();   // oldest on the left
        var names = currentOrder
            .Concat(columns.SelectMany(c => c.Runs.Select(r => r.Name)).Order(StringComparer.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Where(n => columns.Any(c => c.Runs.Any(r => r.Name == n)))
            .ToList();
        sb.Append("<h2>Trends</h2>\n<p class=\"note legend\">")
          .Append(Escape(Invariant($"Each run over the last {columns.Count} campaigns, oldest left: "))).Append(
              "<span><span class=\"dot match\"></span> as expected</span><span><span class=\"dot mismatch\"></span> not as expected</span>" +
              "<span><span class=\"dot absent\"></span> not run</span>latency of ok ops: <span class=\"p50\">━ p50</span><span class=\"p99\">━ p99</span></p>\n");
        sb.Append("<table id=\"trends\">\n").HeaderRow("run", "outcomes", "latency (ms)", "last run");
        foreach (var name in names)
        {
            var cells = columns.Select(c => (Campaign: c, Run: c.Runs.FirstOrDefault(r => r.Name == name))).ToList();
            var (lastCampaign, last) = cells.Last(c => c.Run is not null);
            sb.Append("<tr class=\"trend\" data-run=\"").Append(Escape(name)).Append("\"><td>").Append(Escape(name)).Append("</td><td class=\"dots\">");
            foreach (var (campaign, run) in cells)
            {
                var css = run is null ? "absent" : run.Match ? "match" : "mismatch";
                var title = $"{StorePage.Time(campaign.Started)} {campaign.Name}: " + (run is null
                    ? "not run"
                    : $"{run.Got} ({(run.Match ? "as expected" : "NOT as expected: " + run.Mismatch)}), p50 {Ms(run.P50Ms)}, p99 {Ms(run.P99Ms)}");
                sb.Append("<span class=\"dot ").Append(css).Append("\" title=\"").Append(Escape(title)).Append("\"></span>");
            }
            sb.Append("</td><td>").Append(LatencySvg(name, cells.Select(c => c.Run).ToList())).Append("</td><td>")
              .Append(Escape(Invariant($"{StorePage.Time(lastCampaign.Started)}: {(last!.Match ? "as expected" : "NOT as expected")}, p50 {Ms(last.P50Ms)}, p99 {Ms(last.P99Ms)}")))
              .Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString(v < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " ms" : "-";

    /// <summary>p50 and p99 of one run name across the columns, on a linear scale from 0 to the highest p99; a
    /// campaign without the run (or without ok ops) breaks the lines.</summary>
    private static string LatencySvg(string name, List<CampaignRecordRun?> runs)
    {
        const double width = 280, height = 56, left = 64, top = 6, bottom = 6, right = 6;
        var highest = runs.Max(r => Math.Max(r?.P99Ms ?? 0, r?.P50Ms ?? 0));
        var svg = new SvgWriter();
        svg.Open("svg", ("class", "latency-trend"), ("width", SvgWriter.N(width)), ("height", SvgWriter.N(height)),
            ("viewBox", $"0 0 {SvgWriter.N(width)} {SvgWriter.N(height)}"), ("role", "img"), ("aria-label", $"p50 and p99 latency of {name} per campaign"));
        svg.Empty("line", ("x1", SvgWriter.N(left)), ("y1", SvgWriter.N(top)), ("x2", SvgWriter.N(left)), ("y2", SvgWriter.N(height - bottom)), ("stroke", "#999"));
        svg.Empty("line", ("x1", SvgWriter.N(left)), ("y1", SvgWriter.N(height - bottom)), ("x2", SvgWriter.N(width - right)), ("y2", SvgWriter.N(height - bottom)), ("stroke", "#999"));
        if (highest <= 0)
        {
            svg.Text("text", "no ok ops", ("x", SvgWriter.N(left + 8)), ("y", SvgWriter.N(height / 2 + 4)), ("font-size", "11"), ("fill", "#757575"));
            return svg.Close("svg").ToString();
        }
        svg.Text("text", Ms(highest), ("x", SvgWriter.N(left - 4)), ("y", SvgWriter.N(top + 8)), ("font-size", "10"), ("text-anchor", "end"), ("fill", "#555"));
        svg.Text("text", "0", ("x", SvgWriter.N(left - 4)), ("y", SvgWriter.N(height - bottom)), ("font-size", "10"), ("text-anchor", "end"), ("fill", "#555"));
        var step = (width - left - right) / runs.Count;
        double X(int i) => left + (i + 0.5) * step;
        double Y(double ms) => height - bottom - ms / highest * (height - top - bottom);
        foreach (var (quantile, colour, value) in new (string, string, Func<CampaignRecordRun, double?>)[] { ("p50", P50Colour, r => r.P50Ms), ("p99", P99Colour, r => r.P99Ms) })
        {
            // One polyline per stretch of campaigns that have the value.
            var stretch = new List<string>();
            void Flush()
            {
                if (stretch.Count > 1) svg.Empty("polyline", ("class", quantile), ("points", string.Join(' ', stretch)), ("fill", "none"), ("stroke", colour), ("stroke-width", "1.5"));
                stretch.Clear();
            }
            for (var i = 0; i < runs.Count; i++)
            {
                if (runs[i] is { } run && value(run) is { } ms)
                {
                    stretch.Add(SvgWriter.N(X(i)) + "," + SvgWriter.N(Y(ms)));
                    svg.Open("circle", ("class", quantile), ("cx", SvgWriter.N(X(i))), ("cy", SvgWriter.N(Y(ms))), ("r", "2.2"), ("fill", colour))
                       .Title($"{quantile} {Ms(ms)}").Close("circle");
                }
                else Flush();
            }
            Flush();
        }
        return svg.Close("svg").ToString();
    }
}
