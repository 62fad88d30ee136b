using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Svg;
using static Ddia.Verify.Reports.Html;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports;

/// <summary>
/// A transactional check (Elle-style) on the page: the requested models and their verdicts, the models
/// the anomalies rule out, the anomaly types with counts, then every cycle drawn beside its explanation,
/// and the anomalies found without a cycle with their ops.
/// </summary>
internal static class TransactionSection
{
    private const int MaxPerKind = 50;

    // Diagram and explanation side by side; the explanation wraps below the diagram on a narrow screen.
    private const string SideBySide = "display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start";
    private const string ExplanationStyle = "flex:1 1 22em;min-width:0;margin:0;overflow-x:auto";

    public static void Write(StringBuilder sb, TxnCheckResult result, HistoryList? history)
    {
        sb.Append("<div class=\"transactions\">\n");
        if (result.Models.Count > 0)
        {
            sb.Append("<table class=\"models\">\n").HeaderRow("consistency model", "verdict");
            foreach (var model in result.Models)
            {
                var v = result.VerdictFor(model).Name();
                sb.Append("<tr><td>").Append(Escape(model)).Append("</td><td class=\"").Append(v).Append("\">").Append(v).Append("</td></tr>\n");
            }
            sb.Append("</table>\n");
        }
        if (result.Not.Count > 0 || result.AlsoNot.Count > 0)
        {
            sb.Append("<p class=\"ruled-out\">Ruled out: ").Append(Names(result.Not));
            if (result.AlsoNot.Count > 0) sb.Append("; and so also ").Append(Names(result.AlsoNot));
            sb.Append(".</p>\n");
        }
        if (result.UnknownReason is not null)
            sb.Append("<p class=\"note unknown-reason\">The check could not decide: ").Append(Escape(result.UnknownReason)).Append("</p>\n");

        var counts = result.AnomalyTypes.ToDictionary(t => t, t => 0, StringComparer.Ordinal);
        foreach (var kind in result.Cycles.Select(c => c.Kind).Concat(result.Findings.Select(f => f.Kind)))
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        if (counts.Count > 0)
        {
            sb.Append("<table class=\"anomaly-types\">\n").HeaderRow("anomaly", "count");
            foreach (var (kind, n) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
                sb.Row(UnknownAnomalies.IsUnknown(kind) ? kind + " (undecided)" : kind, Count(n));
            sb.Append("</table>\n");
        }

        // One numbering per kind, shared by cycles and findings, so ids stay unique.
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in result.Cycles.GroupBy(c => c.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append("<h4>").Append(Escape(group.Key)).Append(" (").Append(Count(group.Count())).Append(")</h4>\n");
            foreach (var cycle in group.Take(MaxPerKind))
            {
                var id = NextId(numbers, cycle.Kind);
                sb.Append("<div class=\"anomaly cycle\" id=\"").Append(Escape(id)).Append("\" style=\"").Append(SideBySide).Append("\">\n")
                  .Append(CycleDiagram.Render(cycle, history, id))
                  .Append("<pre class=\"explanation\" style=\"").Append(ExplanationStyle).Append("\">").Append(Escape(cycle.Explanation)).Append("</pre>\n")
                  .Append("</div>\n");
            }
            More(sb, group.Count());
        }

        foreach (var group in result.Findings.GroupBy(f => f.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append("<h4>").Append(Escape(group.Key)).Append(" (").Append(Count(group.Count())).Append(")</h4>\n");
            foreach (var finding in group.Take(MaxPerKind))
            {
                var id = NextId(numbers, finding.Kind);
                sb.Append("<div class=\"anomaly finding\" id=\"").Append(Escape(id)).Append("\">\n<p class=\"explanation\">")
                  .Append(Escape(finding.Explanation)).Append("</p>\n");
                if (finding.Positions.Length > 0)
                {
                    if (history is null) sb.Append("<p class=\"note\">Positions ").Append(Escape(string.Join(", ", finding.Positions))).Append(" (no history).</p>\n");
                    else ReportPage.OpTable(sb, finding.Positions.Select(p => (p, p >= 0 && p < history.Count ? history[p] : (Op?)null)));
                }
                sb.Append("</div>\n");
            }
            More(sb, group.Count());
        }
        sb.Append("</div>\n");
    }

    private static string NextId(Dictionary<string, int> numbers, string kind)
    {
        var n = numbers.GetValueOrDefault(kind) + 1;
        numbers[kind] = n;
        return "anomaly-" + SvgWriter.IdPart(kind) + "-" + Count(n);
    }

    private static void More(StringBuilder sb, int count)
    {
        if (count > MaxPerKind)
            sb.Append("<p class=\"note\">… and ").Append(Count(count - MaxPerKind)).Append(" more (see results.json).</p>\n");
    }

    private static string Names(IEnumerable<string> models) => string.Join(", ", models.Select(m => "<b>" + Escape(m) + "</b>"));

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
}
