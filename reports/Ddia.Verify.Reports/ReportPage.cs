using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Transactions;
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

    private const string Style = BaseStyle + "\n" + """
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
        nav { margin: 0.8em 0; } nav a { margin-right: 1em; }
        pre.command { background: #f6f8fa; border: 1px solid #ddd; padding: 0.5em 0.8em; white-space: pre-wrap; word-break: break-all; }
        table.facts td { font-family: inherit; }
        td.num { text-align: right; }
        tr.total td { font-weight: bold; }
        tr.idle td { background: #fff8e1; }
        details summary { cursor: pointer; color: #555; }
        """;

    /// <summary>The timeline page beside index.html (written by <see cref="RunReport"/> whenever there is a history).</summary>
    private const string TimelineFile = Timeline.TimelinePage.FileName;

    public static string Render(ReportInput input, PageParts parts)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
          .Append(Escape(input.TestName)).Append(" — ").Append(Escape(VerdictName(input))).Append("</title>\n<style>\n")
          .Append(Style).Append("</style>\n</head>\n<body>\n");
        Header(sb, input);
        Navigation(sb, input, parts);
        Verdicts(sb, input.Result);
        HistorySummary(sb, input.History, parts);
        FaultCoverageSection(sb, parts);
        PlotsSection(sb, parts);
        Anomalies(sb, input.Result, input.History);
        Links(sb, input, parts);
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

        // The facts a reader looks for first; the full list of options follows, folded.
        string? Option(string key) => input.Options.FirstOrDefault(o => o.Key == key).Value;
        sb.Append("<table class=\"facts\" id=\"facts\">\n");
        foreach (var key in new[] { "system", "configuration", "workload", "nemesis", "environment", "nodes" })
            if (Option(key) is { } value) sb.Row(key, value);
        sb.Row("seed", input.Seed.ToString(CultureInfo.InvariantCulture));
        sb.Row("started", input.StartTime.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture));
        if (input.Duration is { } d) sb.Row("duration", Duration(d));
        sb.Row("status", input.Status);
        sb.Append("</table>\n");
        if (input.CommandLine is { } command)
            sb.Append("<p>To run it again (same seed, same knobs):</p>\n<pre class=\"command\" id=\"command\">").Append(Escape(command)).Append("</pre>\n");

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
            sb.Append("<details><summary>every option (").Append(Num(input.Options.Count)).Append(")</summary>\n<table id=\"options\">\n").HeaderRow("option", "value");
            foreach (var (k, v) in input.Options) sb.Row(k, v);
            sb.Append("</table>\n</details>\n");
        }
        sb.Append("</header>\n");
    }

    private static void Navigation(StringBuilder sb, ReportInput input, PageParts parts)
    {
        sb.Append("<nav><a href=\"#checkers\">checkers</a><a href=\"#ops\">ops</a>");
        if (parts.Coverage.Count > 1) sb.Append("<a href=\"#faults\">faults</a>");
        sb.Append("<a href=\"#plots\">plots</a>");
        if (input.Result is not null) sb.Append("<a href=\"#anomalies\">anomalies</a>");
        if (parts.TimelineWritten) sb.Append("<a href=\"").Append(TimelineFile).Append("\" id=\"timeline-link\">timeline</a>");
        sb.Append("<a href=\"#files\">files</a></nav>\n");
    }

    private static void HistorySummary(StringBuilder sb, HistoryList? history, PageParts parts)
    {
        sb.Append("<h2 id=\"ops\">Ops</h2>\n");
        if (history is null)
        {
            sb.Append("<p class=\"note\">No history was recorded.</p>\n");
            return;
        }
        var nemesis = 0;
        foreach (var op in history) if (op.Process == Op.NemesisProcess) nemesis++;
        sb.Append("<p>").Append(Num(history.Count)).Append(" history entries, ").Append(Num(nemesis)).Append(" of them the nemesis's.");
        if (parts.TimelineWritten) sb.Append(" Every op on a time line: <a href=\"").Append(TimelineFile).Append("\">the timeline</a>.");
        sb.Append("</p>\n");

        // Availability: the share of invocations that succeeded, per f; info counts ops that never completed too.
        sb.Append("<table id=\"op-counts\">\n").HeaderRow("f", "invocations", "ok", "fail", "info", "of which never completed", "availability", "ok latency p50 (ms)", "p99 (ms)");
        foreach (var row in parts.Counts)
        {
            sb.Append(row.F == OpCounts.All ? "<tr class=\"total\">" : "<tr>")
              .Append("<td>").Append(Escape(row.F)).Append("</td>")
              .Append(NumCell(row.Invocations)).Append(NumCell(row.Ok)).Append(NumCell(row.Fail)).Append(NumCell(row.Info)).Append(NumCell(row.NeverCompleted))
              .Append("<td class=\"num\">").Append(Percent(row.Availability)).Append("</td>")
              .Append("<td class=\"num\">").Append(Ms(row.P50Ms)).Append("</td><td class=\"num\">").Append(Ms(row.P99Ms)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
        if (history.Problems.Count > 0)
        {
            sb.Append("<p>Pairing problems (").Append(Num(history.Problems.Count)).Append("):</p>\n<table>\n").HeaderRow("position", "problem");
            foreach (var p in history.Problems.Take(MaxProblemsShown)) sb.Row(Num(p.Position), p.Message);
            sb.Append("</table>\n");
        }
    }

    private static void FaultCoverageSection(StringBuilder sb, PageParts parts)
    {
        if (parts.Coverage.Count <= 1) return;   // only the no-fault row: the run injected no fault
        sb.Append("<h2 id=\"faults\">Fault coverage</h2>\n<p class=\"note\">Whether the faults exercised the run: how long each was on, which nodes it hit, "
            + "and how the client ops that overlapped it ended. A fault that hit no node, or that no op overlapped, tested nothing.</p>\n");
        sb.Append("<table id=\"fault-coverage\">\n").HeaderRow("fault", "times started", "active (s)", "nodes hit", "starts that hit no node", "ops overlapping", "ok", "fail", "info", "availability");
        foreach (var row in parts.Coverage)
        {
            var noFault = row.Kind == FaultCoverage.NoFault;
            sb.Append(row.WindowsWithoutNodes == row.Windows && !noFault ? "<tr class=\"idle\">" : "<tr>").Append("<td>");
            if (!noFault) sb.Append("<span class=\"swatch\" style=\"background:").Append(Palette.FaultHex(row.Kind)).Append("\"></span>");
            sb.Append(Escape(row.Kind)).Append("</td>")
              .Append(noFault ? "<td></td><td></td><td></td><td></td>" : NumCell(row.Windows) + "<td class=\"num\">" + Seconds(row.ActiveNs) + "</td><td>"
                  + Escape(row.Nodes.Count == 0 ? "none" : string.Join(", ", row.Nodes)) + "</td>" + NumCell(row.WindowsWithoutNodes))
              .Append(NumCell(row.Ops)).Append(NumCell(row.Ok)).Append(NumCell(row.Fail)).Append(NumCell(row.Info))
              .Append("<td class=\"num\">").Append(Percent(row.Availability)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void Verdicts(StringBuilder sb, CheckResult? result)
    {
        sb.Append("<h2 id=\"checkers\">Checkers</h2>\n");
        if (result is null)
        {
            sb.Append("<p class=\"note\">No checker results: the run was not checked.</p>\n");
            return;
        }
        sb.Append("<table id=\"verdicts\">\n").HeaderRow("checker", "validity", "models ruled out", "anomalies", "error");
        foreach (var (path, r) in Walk(result))
        {
            var v = r.Validity.Name();
            var kinds = string.Join(", ", r.Anomalies.GroupBy(a => a.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.Count() == 1 ? g.Key : Invariant($"{g.Key} ×{g.Count()}")));
            sb.Append("<tr><td>").Append(Escape(path)).Append("</td><td class=\"").Append(v).Append("\">").Append(v)
              .Append("</td><td>").Append(Escape(RuledOut(r))).Append("</td><td>").Append(Escape(kinds.Length == 0 ? "none" : kinds))
              .Append("</td><td>").Append(Escape(r.Error)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    /// <summary>The consistency models one checker's findings rule out, as Elle names them.</summary>
    private static string RuledOut(CheckResult r) => r.Detail switch
    {
        TxnCheckResult t when t.Not.Count + t.AlsoNot.Count > 0 =>
            string.Join(", ", t.Not) + (t.AlsoNot.Count > 0 ? "; so also " + string.Join(", ", t.AlsoNot) : ""),
        LinearizabilityResult { Validity: Validity.Invalid } l => $"linearizable ({l.Model} model)",
        _ => "",
    };

    private static void Anomalies(StringBuilder sb, CheckResult? result, HistoryList? history)
    {
        if (result is null) return;
        sb.Append("<h2 id=\"anomalies\">Anomalies</h2>\n");
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
            if (r.Detail is TxnCheckResult txn)
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
            // The index opens the op on the timeline, among the ops around it.
            sb.Append("<td><a href=\"").Append(TimelineFile).Append("#op=").Append(Num(o.Index)).Append("\">").Append(Num(o.Index)).Append("</a></td>");
            foreach (var cell in OpCells(o).Skip(1)) sb.Append("<td>").Append(Escape(cell)).Append("</td>");
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

    private static void PlotsSection(StringBuilder sb, PageParts parts)
    {
        sb.Append("<h2 id=\"plots\">Plots</h2>\n");
        if (parts.PlotError is not null)
            sb.Append("<p class=\"note\">The plots could not be drawn: ").Append(Escape(parts.PlotError)).Append("</p>\n");
        else if (parts.Timings is null || parts.Timings.Ops.Count == 0)
            sb.Append("<p class=\"note\">No completed client op with a time: ").Append(parts.Plots.Count == 0 ? "nothing to plot" : "no latency or throughput plot").Append(".</p>\n");
        foreach (var p in parts.Plots)
        {
            sb.Append("<figure><img src=\"").Append(SafeHref(p.Png)).Append("\" alt=\"").Append(Escape(p.Caption)).Append("\">")
              .Append("<figcaption>").Append(Escape(p.Caption)).Append(" (<a href=\"").Append(SafeHref(p.Svg)).Append("\">SVG</a>)</figcaption></figure>\n");
        }
        if (parts.Timings is not { Faults.Count: > 0 } timings) return;

        sb.Append("<h3>Fault windows</h3>\n<table id=\"fault-windows\">\n").HeaderRow("fault", "start (s)", "end (s)", "history positions");
        foreach (var w in timings.Faults)
        {
            sb.Append("<tr><td><span class=\"swatch\" style=\"background:").Append(Palette.FaultHex(w.Kind)).Append("\"></span>")
              .Append(Escape(w.Kind)).Append("</td><td>").Append(Seconds(w.Start)).Append("</td><td>")
              .Append(w.End is { } e ? Seconds(e) : "not stopped: to the end").Append("</td><td>")
              .Append(Num(w.StartPosition)).Append(w.EndPosition is { } ep ? " – " + Num(ep) : "").Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void Links(StringBuilder sb, ReportInput input, PageParts parts)
    {
        sb.Append("<h2 id=\"files\">Files</h2>\n<ul id=\"links\">\n");
        Link(sb, "history", input.HistoryLink);
        Link(sb, "test.json", input.TestJsonLink);
        Link(sb, "results.json", input.ResultsJsonLink);
        Link(sb, "node status samples", input.StatusLink);
        if (parts.TimelineWritten) Link(sb, "timeline", TimelineFile);
        foreach (var p in parts.Plots)
        {
            Link(sb, "plot", p.Png);
            Link(sb, "plot", p.Svg);
        }
        foreach (var (name, path) in input.OtherLinks) Link(sb, name, path);
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

    private static string NumCell(long n) => "<td class=\"num\">" + Num(n) + "</td>";

    private static string Percent(double? share) => share is { } s ? Invariant($"{s * 100:0.#} %") : "-";

    private static string Ms(double? ms) => ms is { } m ? Invariant($"{m:0.###}") : "-";

    private static string Seconds(long ns) => (ns / 1e9).ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>What <see cref="RunReport"/> computed for the page: plots written, counts, coverage, and whether the timeline exists.</summary>
internal sealed record PageParts(
    OpTimings? Timings,
    IReadOnlyList<RenderedPlot> Plots,
    string? PlotError,
    IReadOnlyList<OpCountRow> Counts,
    IReadOnlyList<FaultCoverageRow> Coverage,
    bool TimelineWritten);
