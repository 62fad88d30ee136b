using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Plots;
using static Ddia.Verify.Reports.Html;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports;

/// <summary>The HTML of index.html, section by section. Plain StringBuilder: the page is small and static.</summary>
internal static class ReportPage
{
    private const int MaxProblemsShown = 20;
    private const int MaxAnomaliesPerChecker = 50;

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
        h1 { margin-bottom: 0.2em; }
        h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; }
        th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; }
        td { font-family: ui-monospace, monospace; font-size: 0.9em; white-space: pre-wrap; word-break: break-word; }
        .verdict { display: inline-block; font-size: 2.4em; font-weight: bold; color: #fff; padding: 0.1em 0.6em; border-radius: 0.2em; }
        .valid { background: #2e7d32; } .invalid { background: #c62828; } .unknown { background: #757575; }
        td.valid, td.invalid, td.unknown { color: #fff; font-weight: bold; }
        .meta span { margin-right: 1.5em; }
        .crash { border: 2px solid #c62828; background: #fdecea; padding: 0.6em 1em; }
        .crash pre { white-space: pre-wrap; }
        .note { color: #555; }
        .anomaly { border-left: 4px solid #c62828; padding-left: 1em; margin: 1em 0; }
        .explanation { white-space: pre-wrap; }
        .swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin-right: 0.3em; border: 1px solid #999; }
        img { max-width: 100%; border: 1px solid #ddd; }
        tr.culprit td { background: #fdecea; }
        """;

    public static string Render(ReportInput input, OpTimings? timings, IReadOnlyList<RenderedPlot> plots, string? plotError)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
          .Append(Escape(input.TestName)).Append(" — ").Append(Escape(VerdictName(input))).Append("</title>\n<style>\n")
          .Append(Style).Append("</style>\n</head>\n<body>\n");
        Header(sb, input);
        HistorySummary(sb, input.History);
        Verdicts(sb, input.Result);
        Anomalies(sb, input.Result, input.History);
        PlotsSection(sb, timings, plots, plotError);
        Links(sb, input);
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static Validity? Verdict(ReportInput input) => input.Result?.Validity;

    private static string VerdictName(ReportInput input) => Verdict(input)?.Name() ?? "unknown";

    private static void Header(StringBuilder sb, ReportInput input)
    {
        var verdict = VerdictName(input);
        sb.Append("<header>\n<h1>").Append(Escape(input.TestName)).Append("</h1>\n");
        sb.Append("<div class=\"verdict ").Append(verdict).Append("\" id=\"verdict\">").Append(Escape(verdict.ToUpperInvariant())).Append("</div>\n");
        sb.Append("<p class=\"meta\"><span>status: <b>").Append(Escape(input.Status)).Append("</b></span>")
          .Append("<span>started: ").Append(Escape(input.StartTime.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture))).Append("</span>")
          .Append("<span>seed: <code>").Append(Escape(input.Seed.ToString(CultureInfo.InvariantCulture))).Append("</code></span></p>\n");

        var crashed = !string.Equals(input.Status, ReportInput.StatusOk, StringComparison.Ordinal);
        if (crashed || input.CrashMessage is not null)
        {
            sb.Append("<div class=\"crash\" id=\"crash\"><b>The run ").Append(Escape(input.Status == ReportInput.StatusOk ? "reported an error" : input.Status))
              .Append(".</b> ");
            sb.Append(input.History is null ? "No history was recorded. " : "The history below may be partial. ");
            if (input.Result is null) sb.Append("There are no checker results.");
            if (input.CrashMessage is not null) sb.Append("<pre>").Append(Escape(input.CrashMessage)).Append("</pre>");
            sb.Append("</div>\n");
        }

        if (input.Options.Count > 0)
        {
            sb.Append("<table id=\"options\">\n").HeaderRow("option", "value");
            foreach (var (k, v) in input.Options) sb.Row(k, v);
            sb.Append("</table>\n");
        }
        sb.Append("</header>\n");
    }

    private static void HistorySummary(StringBuilder sb, HistoryList? history)
    {
        sb.Append("<h2>History</h2>\n");
        if (history is null)
        {
            sb.Append("<p class=\"note\">No history was recorded.</p>\n");
            return;
        }
        int invokes = 0, ok = 0, fail = 0, info = 0, open = 0, nemesis = 0;
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (op.Process == Op.NemesisProcess) nemesis++;
            if (!op.IsClient || !op.IsInvoke) continue;
            invokes++;
            if (history.CompletionOf(i) < 0) { open++; continue; }
            switch (history.OutcomeOf(i))
            {
                case OpType.Ok: ok++; break;
                case OpType.Fail: fail++; break;
                default: info++; break;
            }
        }
        sb.Append("<table id=\"history-summary\">\n").HeaderRow("ops", "client invocations", "ok", "fail", "info", "never completed", "nemesis ops");
        sb.Row(Num(history.Count), Num(invokes), Num(ok), Num(fail), Num(info), Num(open), Num(nemesis));
        sb.Append("</table>\n");
        if (history.Problems.Count > 0)
        {
            sb.Append("<p>Pairing problems (").Append(Num(history.Problems.Count)).Append("):</p>\n<table>\n").HeaderRow("position", "problem");
            foreach (var p in history.Problems.Take(MaxProblemsShown)) sb.Row(Num(p.Position), p.Message);
            sb.Append("</table>\n");
        }
    }

    private static void Verdicts(StringBuilder sb, CheckResult? result)
    {
        sb.Append("<h2>Checkers</h2>\n");
        if (result is null)
        {
            sb.Append("<p class=\"note\">No checker results: the run was not checked.</p>\n");
            return;
        }
        sb.Append("<table id=\"verdicts\">\n").HeaderRow("checker", "validity", "anomalies", "error");
        foreach (var (path, r) in Walk(result))
        {
            var v = r.Validity.Name();
            sb.Append("<tr><td>").Append(Escape(path)).Append("</td><td class=\"").Append(v).Append("\">").Append(v)
              .Append("</td><td>").Append(Num(r.Anomalies.Length)).Append("</td><td>").Append(Escape(r.Error)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void Anomalies(StringBuilder sb, CheckResult? result, HistoryList? history)
    {
        if (result is null) return;
        sb.Append("<h2>Anomalies</h2>\n");
        var any = false;
        foreach (var (path, r) in Walk(result))
        {
            // A composed result repeats its children's anomalies: show each where it was found.
            var inChildren = r.Children.Values.SelectMany(c => c.Anomalies).ToHashSet(ReferenceEqualityComparer.Instance);
            var own = r.Anomalies.Where(a => !inChildren.Contains(a)).ToList();
            var lin = r.Detail as LinearizabilityResult;
            if (own.Count == 0 && lin?.Failures.Any() != true) continue;
            any = true;
            sb.Append("<h3>").Append(Escape(path)).Append("</h3>\n");
            if (r.Detail is Checkers.Transactions.TxnCheckResult txn)
            {
                TransactionSection.Write(sb, txn, history);
                continue;
            }
            foreach (var a in own.Take(MaxAnomaliesPerChecker)) Anomaly(sb, a, history);
            if (own.Count > MaxAnomaliesPerChecker)
                sb.Append("<p class=\"note\">… and ").Append(Num(own.Count - MaxAnomaliesPerChecker)).Append(" more (see results.json).</p>\n");
            if (lin is not null) LinearizabilitySection.Write(sb, lin, history);
        }
        if (!any) sb.Append("<p class=\"note\">None found.</p>\n");
    }

    private static void Anomaly(StringBuilder sb, Anomaly a, HistoryList? history)
    {
        sb.Append("<div class=\"anomaly\">\n<p><b>").Append(Escape(a.Kind)).Append("</b></p>\n<p class=\"explanation\">")
          .Append(Escape(a.Explanation)).Append("</p>\n");
        if (a.Positions.Length > 0)
        {
            if (history is null) sb.Append("<p class=\"note\">Positions ").Append(Escape(string.Join(", ", a.Positions))).Append(" (no history).</p>\n");
            else OpTable(sb, a.Positions.Select(p => (p, p >= 0 && p < history.Count ? history[p] : (Op?)null)));
        }
        sb.Append("</div>\n");
    }

    /// <summary>A table of ops; a position the history does not have is shown as missing rather than thrown on.</summary>
    internal static void OpTable(StringBuilder sb, IEnumerable<(int Position, Op? Op)> ops, int? highlight = null)
    {
        sb.Append("<table class=\"ops\">\n").HeaderRow("index", "time (ms)", "process", "type", "f", "key", "value", "error");
        foreach (var (position, op) in ops)
        {
            if (op is not { } o)
            {
                sb.Row(Num(position), "", "", "", "(not in the history)", "", "", "");
                continue;
            }
            sb.Append(highlight == position ? "<tr class=\"culprit\">" : "<tr>");
            foreach (var cell in OpCells(o)) sb.Append("<td>").Append(Escape(cell)).Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static string[] OpCells(Op o) =>
    [
        Num(o.Index),
        o.Time < 0 ? "" : (o.Time / 1e6).ToString("0.###", CultureInfo.InvariantCulture),
        ProcessName(o.Process),
        Op.TypeName(o.Type),
        o.F,
        o.Key?.ToString() ?? "",
        o.Value.ToString(),
        o.Error?.ToString() ?? "",
    ];

    internal static string ProcessName(int process) => process switch
    {
        Op.NemesisProcess => "nemesis",
        Op.NoProcess => "-",
        _ => Num(process),
    };

    private static void PlotsSection(StringBuilder sb, OpTimings? timings, IReadOnlyList<RenderedPlot> plots, string? plotError)
    {
        sb.Append("<h2>Plots</h2>\n");
        if (plotError is not null)
            sb.Append("<p class=\"note\">The plots could not be drawn: ").Append(Escape(plotError)).Append("</p>\n");
        else if (timings is null || timings.Ops.Count == 0)
            sb.Append("<p class=\"note\">No completed client op with a time: ").Append(plots.Count == 0 ? "nothing to plot" : "no latency or throughput plot").Append(".</p>\n");
        foreach (var p in plots)
        {
            sb.Append("<figure><img src=\"").Append(SafeHref(p.Png)).Append("\" alt=\"").Append(Escape(p.Caption)).Append("\">")
              .Append("<figcaption>").Append(Escape(p.Caption)).Append(" (<a href=\"").Append(SafeHref(p.Svg)).Append("\">SVG</a>)</figcaption></figure>\n");
        }
        if (timings is null || timings.Faults.Count == 0) return;

        sb.Append("<h3>Faults</h3>\n<table id=\"faults\">\n").HeaderRow("fault", "start (s)", "end (s)", "history positions");
        foreach (var w in timings.Faults)
        {
            sb.Append("<tr><td><span class=\"swatch\" style=\"background:").Append(Palette.FaultHex(w.Kind)).Append("\"></span>")
              .Append(Escape(w.Kind)).Append("</td><td>").Append(Seconds(w.Start)).Append("</td><td>")
              .Append(w.End is { } e ? Seconds(e) : "not stopped: to the end").Append("</td><td>")
              .Append(Num(w.StartPosition)).Append(w.EndPosition is { } ep ? " – " + Num(ep) : "").Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void Links(StringBuilder sb, ReportInput input)
    {
        sb.Append("<h2>Files</h2>\n<ul id=\"links\">\n");
        Link(sb, "history", input.HistoryLink);
        Link(sb, "test.json", input.TestJsonLink);
        Link(sb, "results.json", input.ResultsJsonLink);
        Link(sb, "node status samples", input.StatusLink);
        foreach (var (name, path) in input.NodeLogs) Link(sb, "log: " + name, path);
        sb.Append("</ul>\n");
    }

    private static void Link(StringBuilder sb, string label, string? path)
    {
        if (path is null) return;
        var href = SafeHref(path);
        sb.Append("<li>").Append(Escape(label)).Append(": ");
        if (href is null) sb.Append("<code>").Append(Escape(path)).Append("</code>");   // not a relative path: shown, not linked
        else sb.Append("<a href=\"").Append(href).Append("\">").Append(Escape(path)).Append("</a>");
        sb.Append("</li>\n");
    }

    /// <summary>Every result of the tree, depth first, with its path of checker names.</summary>
    internal static IEnumerable<(string Path, CheckResult Result)> Walk(CheckResult root, string? prefix = null)
    {
        var path = prefix is null ? root.Checker : prefix;
        yield return (path, root);
        foreach (var (name, child) in root.Children.OrderBy(c => c.Key, StringComparer.Ordinal))
            foreach (var item in Walk(child, path + " / " + name))
                yield return item;
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(long ns) => (ns / 1e9).ToString("0.###", CultureInfo.InvariantCulture);
}
