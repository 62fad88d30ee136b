using System.Globalization;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Plots;
using static Ddia.Verify.Reports.Svg.SvgWriter;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Svg;

/// <summary>
/// Draws a linearizability failure on a time axis, one row per process: the last steps of the longest
/// linearizable prefixes, the op that cannot be linearized, and the key's other ops that overlap them.
/// Bars run from invocation to completion; the first prefix's steps carry their order and the state
/// after each, at the earliest point where that order can take effect.
/// </summary>
internal static class LinearizabilityDiagram
{
    private const double Gutter = 76;        // process labels
    private const double PlotWidth = 840;
    private const double RightPad = 16;
    private const double AxisHeight = 34;
    private const double RowHeight = 52;     // step numbers above a bar, states below it
    private const double BarTop = 17;
    private const double BarHeight = 18;
    private const double LegendHeight = 30;
    private const int MaxOtherOps = 40;

    private const string OkFill = "#d9f0d3", OkStroke = Palette.OkHex;
    private const string FailFill = "#fde0dd", FailStroke = Palette.FailHex;
    private const string InfoFill = "#fee6ce", InfoStroke = Palette.InfoHex;
    private const string Culprit = "#c62828";
    private const string OrderColour = "#1a237e";

    private sealed record Bar(int Position, Op Invocation, int CompletionPosition, Op? Completion, double Start, double? End);

    /// <summary>The inline &lt;svg&gt; for one failing partition, or null when it has no failure to draw.</summary>
    public static string? Render(PartitionResult partition, HistoryList history, int stepsShown)
    {
        if (partition.Failure is not { } failure) return null;
        var culprit = failure.Op.Position;
        if (culprit < 0 || culprit >= history.Count) return null;

        // The ops to draw: prefix steps and the culprit first, then the key's others in the window.
        var prefixes = failure.LongestPrefixes.Select(p => p.Steps.Skip(Math.Max(0, p.Steps.Length - stepsShown)).ToArray()).ToArray();
        var chosen = new SortedSet<int>(prefixes.SelectMany(s => s).Select(s => s.Op.Position).Where(p => p >= 0 && p < history.Count)) { culprit };
        var useTime = chosen.All(p => history[p].Time >= 0 && (history.CompletionOf(p) is var c && (c < 0 || history[c].Time >= 0)));
        double T(int position) => useTime ? history[position].Time : position;
        Bar BarOf(int p)
        {
            var c = history.CompletionOf(p);
            return new Bar(p, history[p], c, c >= 0 ? history[c] : null, T(p), c >= 0 ? T(c) : null);
        }
        var bars = chosen.Select(BarOf).ToList();
        // An info op may take effect long after its invocation, so one linearized late would stretch the
        // window far to the left: the window starts with the ops that completed ok or fail (and the culprit).
        var settled = bars.Where(b => b.Completion is { Type: OpType.Ok or OpType.Fail } || b.Position == culprit).ToList();
        var windowStart = (settled.Count > 0 ? settled : bars).Min(b => b.Start);
        var windowEnd = bars.Max(b => b.End ?? b.Start);
        var others = Enumerable.Range(0, history.Count)
            .Where(p => !chosen.Contains(p) && history[p] is { IsClient: true, IsInvoke: true } op && op.Key == partition.Key
                        && (!useTime || op.Time >= 0))
            .Select(BarOf)
            .Where(b => (!useTime || b.Completion is not { Time: < 0 }) && b.Start <= windowEnd && (b.End ?? double.MaxValue) >= windowStart)
            .OrderBy(b => Math.Abs(b.Position - culprit))
            .Take(MaxOtherOps)
            .ToList();
        var hidden = Math.Max(0, Enumerable.Range(0, history.Count).Count(p => history[p] is { IsClient: true, IsInvoke: true } op && op.Key == partition.Key) - bars.Count - others.Count);
        bars.AddRange(others);

        // Steps of each prefix an op is: shown in its tooltip, with the state after it.
        var stepsOf = new Dictionary<int, List<string>>();
        for (var i = 0; i < prefixes.Length; i++)
        {
            var prefix = failure.LongestPrefixes[i];
            var first = prefix.Omitted + prefix.Steps.Length - prefixes[i].Length;
            for (var j = 0; j < prefixes[i].Length; j++)
            {
                var step = prefixes[i][j];
                if (!stepsOf.TryGetValue(step.Op.Position, out var list)) stepsOf[step.Op.Position] = list = [];
                list.Add(Invariant($"prefix {i + 1}, step {first + j + 1}: state after = {step.StateAfter}"));
            }
        }

        var span = Math.Max(windowEnd - windowStart, 1);
        var (from, to) = (windowStart - span * 0.03, windowEnd + span * 0.08);   // room on the right for open-ended ops
        double X(double t) => Gutter + (Math.Clamp(t, from, to) - from) / (to - from) * PlotWidth;
        var processes = bars.Select(b => b.Invocation.Process).Distinct().Order().ToList();
        double RowTop(int process) => AxisHeight + processes.IndexOf(process) * RowHeight;

        var width = Gutter + PlotWidth + RightPad;
        var height = AxisHeight + processes.Count * RowHeight + LegendHeight + (hidden > 0 ? 16 : 0);
        var culpritOp = history[culprit];
        var svg = new SvgWriter();
        svg.Open("svg", ("xmlns", "http://www.w3.org/2000/svg"), ("class", "linearizability-diagram"), ("role", "img"),
            ("aria-label", Invariant($"Ops of {KeyName(partition.Key)} around the failure: {bars.Count} ops on {processes.Count} processes; op {culpritOp.Index} ({Label(culpritOp, bars.First(b => b.Position == culprit).Completion)}) cannot be linearized")),
            ("width", N(width)), ("height", N(height)), ("viewBox", $"0 0 {N(width)} {N(height)}"),
            ("font-family", "system-ui, sans-serif"), ("font-size", "11"), ("style", "max-width:100%;height:auto"));

        Axis(svg, from, to, useTime, X, AxisHeight + processes.Count * RowHeight);
        for (var i = 0; i < processes.Count; i++)
        {
            var top = AxisHeight + i * RowHeight;
            if (i % 2 == 1) svg.Empty("rect", ("x", "0"), ("y", N(top)), ("width", N(width)), ("height", N(RowHeight)), ("fill", "#f7f7f7"));
            svg.Text("text", "process " + ReportPage.ProcessName(processes[i]), ("x", "6"), ("y", N(top + BarTop + BarHeight / 2)),
                ("dominant-baseline", "central"), ("fill", "#333333"));
        }

        // The latest moment the culprit could take effect: no linearization of the others reaches it.
        var culpritBar = bars.First(b => b.Position == culprit);
        if (culpritBar.End is { } deadline)
            svg.Empty("line", ("x1", N(X(deadline))), ("y1", N(AxisHeight)), ("x2", N(X(deadline))), ("y2", N(AxisHeight + processes.Count * RowHeight)),
                ("stroke", Culprit), ("stroke-width", "1"), ("stroke-dasharray", "3 3"));

        foreach (var b in bars.OrderBy(b => b.Position == culprit))
        {
            var top = RowTop(b.Invocation.Process);
            var x1 = X(b.Start);
            var x2 = b.End is { } end ? X(end) : Gutter + PlotWidth;
            var w = Math.Max(x2 - x1, 3);
            var (fill, stroke) = b.Completion?.Type switch
            {
                OpType.Ok => (OkFill, OkStroke),
                OpType.Fail => (FailFill, FailStroke),
                _ => (InfoFill, InfoStroke),
            };
            var isCulprit = b.Position == culprit;
            svg.Open("g", ("class", isCulprit ? "op culprit" : "op"));
            svg.Title(Tooltip(b, useTime, stepsOf, isCulprit ? failure.CandidateStates : null));
            svg.Empty("rect", ("x", N(x1)), ("y", N(top + BarTop)), ("width", N(w)), ("height", N(BarHeight)), ("rx", "3"),
                ("fill", fill), ("stroke", isCulprit ? Culprit : stroke), ("stroke-width", isCulprit ? "3" : "1"),
                ("stroke-dasharray", b.Completion is null ? "5 3" : null));
            // An info op may still take effect after its completion: a dashed tail to the window's edge.
            if (b.Completion is { Type: OpType.Info } && x2 < Gutter + PlotWidth)
                svg.Empty("line", ("x1", N(x2)), ("y1", N(top + BarTop + BarHeight / 2)), ("x2", N(Gutter + PlotWidth)), ("y2", N(top + BarTop + BarHeight / 2)),
                    ("stroke", InfoStroke), ("stroke-width", "1.5"), ("stroke-dasharray", "2 3"));
            // A label that does not fit in its bar would cover its neighbours: the tooltip has it (the culprit's goes beside it).
            var label = Shorten(Label(b.Invocation, b.Completion), 24);
            if (TextWidth(label) + 8 <= w)
                svg.Text("text", label, ("x", N(x1 + 4)), ("y", N(top + BarTop + BarHeight / 2)), ("dominant-baseline", "central"), ("fill", "#111111"));
            else if (isCulprit)
                svg.Text("text", label, ("x", N(x2 + 4)), ("y", N(top + BarTop + BarHeight / 2)), ("dominant-baseline", "central"), ("fill", "#111111"),
                    ("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"));
            if (isCulprit)
            {
                var right = x1 > Gutter + PlotWidth / 2;   // keep the words inside the picture
                svg.Text("text", "cannot be linearized", ("x", N(right ? x2 : x1)), ("y", N(top + BarTop - 4)), ("text-anchor", right ? "end" : "start"),
                    ("fill", Culprit), ("font-weight", "bold"), ("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"));
                var states = failure.CandidateStates.ToList();
                var met = states.Count == 1 ? "state was " + states[0] : "state was one of " + string.Join(", ", states);
                svg.Text("text", Shorten(met, 48), ("x", N(right ? x2 : x1)), ("y", N(top + BarTop + BarHeight + 11)), ("text-anchor", right ? "end" : "start"),
                    ("fill", Culprit), ("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"));
            }
            svg.Close("g");
        }

        LinearizationOrder(svg, failure, prefixes, history, T, X, RowTop);
        Legend(svg, height - LegendHeight - (hidden > 0 ? 16 : 0) + 8);
        if (hidden > 0)
            svg.Text("text", Invariant($"{hidden} other ops of this key, outside this window or beyond the {MaxOtherOps} nearest, are not drawn."),
                ("x", "6"), ("y", N(height - 6)), ("fill", "#555555"));
        svg.Close("svg");
        return svg.ToString();
    }

    /// <summary>
    /// The first longest prefix's order: a numbered point on each step, at the earliest time that order
    /// allows (each step at its invocation or right after the step before, whichever is later), joined
    /// by a line, with the model's state after it underneath.
    /// </summary>
    private static void LinearizationOrder(SvgWriter svg, LinearizabilityFailure failure, LinearizedStep[][] prefixes, HistoryList history,
        Func<int, double> T, Func<double, double> X, Func<int, double> rowTop)
    {
        if (prefixes.Length == 0 || prefixes[0].Length == 0) return;
        var prefix = failure.LongestPrefixes[0];
        var first = prefix.Omitted + prefix.Steps.Length - prefixes[0].Length;
        var points = new List<(double X, double Y, int Number, string State)>();
        var at = double.MinValue;
        for (var j = 0; j < prefixes[0].Length; j++)
        {
            var step = prefixes[0][j];
            var p = step.Op.Position;
            if (p < 0 || p >= history.Count) continue;
            at = Math.Max(at, T(p));
            points.Add((X(at), rowTop(history[p].Process) + BarTop, first + j + 1, step.StateAfter));   // on the bar's top edge, clear of its label
        }
        svg.Open("g", ("class", "linearization"));
        svg.Title("The order of the first longest linearizable prefix, with the state after each step");
        if (points.Count > 1)
            svg.Empty("polyline", ("points", string.Join(' ', points.Select(p => N(p.X) + "," + N(p.Y)))), ("fill", "none"),
                ("stroke", OrderColour), ("stroke-width", "1.2"), ("stroke-opacity", "0.6"));
        // Numbers and states that would overlap the previous ones of their row are left to the point's tooltip.
        var lastLabelEnd = new Dictionary<double, double>();
        foreach (var (x, y, number, state) in points)
        {
            var numberText = number.ToString(CultureInfo.InvariantCulture);
            var stateText = "→" + Shorten(state, 14);
            var half = Math.Max(TextWidth(numberText), TextWidth(stateText)) / 2;
            var room = !lastLabelEnd.TryGetValue(y, out var end) || x - half > end + 2;
            svg.Open("g", ("class", "step"));
            svg.Title(Invariant($"step {number} of the first longest prefix; state after: {state}"));
            svg.Empty("circle", ("cx", N(x)), ("cy", N(y)), ("r", "3.5"), ("fill", OrderColour));
            if (room)
            {
                lastLabelEnd[y] = x + half;
                svg.Text("text", numberText, ("x", N(x)), ("y", N(y - 5)), ("text-anchor", "middle"),
                    ("fill", OrderColour), ("font-weight", "bold"), ("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"));
                svg.Text("text", stateText, ("x", N(x)), ("y", N(y + BarHeight + 11)), ("text-anchor", "middle"),
                    ("fill", "#444444"), ("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"));
            }
            svg.Close("g");
        }
        svg.Close("g");
    }

    private static void Axis(SvgWriter svg, double from, double to, bool useTime, Func<double, double> x, double bottom)
    {
        // ms, µs or ns as the window needs, or history positions when some op has no time.
        var (unit, name) = !useTime ? (1.0, "history position") : (to - from) >= 2e6 ? (1e6, "time (ms)") : (to - from) >= 2e3 ? (1e3, "time (µs)") : (1.0, "time (ns)");
        var step = NiceStep((to - from) / unit / 8);
        svg.Open("g", ("class", "axis"));
        svg.Empty("line", ("x1", N(Gutter)), ("y1", N(AxisHeight - 6)), ("x2", N(Gutter + PlotWidth)), ("y2", N(AxisHeight - 6)), ("stroke", "#888888"));
        for (var t = Math.Ceiling(from / unit / step) * step; t <= to / unit; t += step)
        {
            var px = x(t * unit);
            svg.Empty("line", ("x1", N(px)), ("y1", N(AxisHeight - 10)), ("x2", N(px)), ("y2", N(bottom)), ("stroke", "#e0e0e0"));
            var tick = Math.Abs(t) < step / 1e6 ? 0 : t;   // no "-0"
            svg.Text("text", tick.ToString("0.###", CultureInfo.InvariantCulture), ("x", N(px)), ("y", N(AxisHeight - 14)),
                ("text-anchor", "middle"), ("fill", "#555555"));
        }
        svg.Text("text", name, ("x", "6"), ("y", N(AxisHeight - 14)), ("fill", "#555555"));
        svg.Close("g");
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="raw"/>.</summary>
    private static double NiceStep(double raw)
    {
        if (!(raw > 0)) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (var m in new[] { 1.0, 2, 5, 10 })
            if (m * magnitude >= raw) return m * magnitude;
        return 10 * magnitude;
    }

    private static void Legend(SvgWriter svg, double y)
    {
        var x = Gutter;
        foreach (var (label, fill, stroke, dashed) in new[] { ("ok", OkFill, OkStroke, false), ("fail", FailFill, FailStroke, false), ("info", InfoFill, InfoStroke, false), ("never completed", InfoFill, InfoStroke, true) })
        {
            svg.Empty("rect", ("x", N(x)), ("y", N(y)), ("width", "18"), ("height", "11"), ("fill", fill), ("stroke", stroke), ("stroke-dasharray", dashed ? "4 2" : null));
            svg.Text("text", label, ("x", N(x + 22)), ("y", N(y + 5.5)), ("dominant-baseline", "central"), ("fill", "#333333"));
            x += 40 + 6 * label.Length;
        }
        svg.Empty("rect", ("x", N(x)), ("y", N(y)), ("width", "18"), ("height", "11"), ("fill", "#ffffff"), ("stroke", Culprit), ("stroke-width", "2.5"));
        svg.Text("text", "cannot be linearized", ("x", N(x + 22)), ("y", N(y + 5.5)), ("dominant-baseline", "central"), ("fill", "#333333"));
        x += 150;
        svg.Empty("circle", ("cx", N(x + 5)), ("cy", N(y + 5.5)), ("r", "3.5"), ("fill", OrderColour));
        svg.Text("text", "order of longest prefix 1, state after", ("x", N(x + 14)), ("y", N(y + 5.5)), ("dominant-baseline", "central"), ("fill", "#333333"));
    }

    private static string Tooltip(Bar b, bool useTime, Dictionary<int, List<string>> stepsOf, IEnumerable<string>? candidateStates)
    {
        var inv = b.Invocation;
        var lines = new List<string>
        {
            Invariant($"op {inv.Index}, process {ReportPage.ProcessName(inv.Process)}: {inv.F}{(inv.Key is null ? "" : " " + inv.Key)} {inv.Value}"),
            b.Completion is { } c ? Invariant($"completed: {Op.TypeName(c.Type)} {c.Value}{(c.Error is null ? "" : " (error " + c.Error + ")")}") : "never completed",
            useTime
                ? Invariant($"{Ms(inv.Time)} ms → {(b.Completion is { } d ? Ms(d.Time) + " ms" : "…")}")
                : Invariant($"history positions {b.Position} → {(b.Completion is null ? "…" : b.CompletionPosition.ToString(CultureInfo.InvariantCulture))}"),
        };
        if (stepsOf.TryGetValue(b.Position, out var steps)) lines.AddRange(steps);
        if (candidateStates is not null)
            lines.Add("cannot be linearized: when it had to take effect the state was one of " + string.Join(", ", candidateStates));
        return string.Join('\n', lines);
    }

    /// <summary>"w 3", "r 1", "cas 1→2"; other ops as "f value", with "→ result" when the completion says more.</summary>
    internal static string Label(Op invocation, Op? completion)
    {
        var ok = completion is { Type: OpType.Ok } done ? done.Value : null;
        switch (invocation.F)
        {
            case "read" or "r":
                return "r " + (ok?.ToString() ?? "?");
            case "write" or "w":
                return "w " + invocation.Value;
            case "cas" when invocation.Value.Items is [var expected, var replacement]:
                return Invariant($"cas {expected}→{replacement}");
        }
        var text = invocation.Value.IsNil ? invocation.F : invocation.F + " " + invocation.Value;
        return ok is not null && ok != invocation.Value ? text + " → " + ok : text;
    }

    /// <summary>About how wide a label is at the diagram's 11 px font (no font metrics without a browser).</summary>
    private static double TextWidth(string text) => text.Length * 6.4;

    private static string KeyName(Value? key) => key is null ? "the history" : "key " + key;

    private static string Ms(long ns) => (ns / 1e6).ToString("0.######", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
