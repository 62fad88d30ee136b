using System.Globalization;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using static Ddia.Verify.Reports.Svg.SvgWriter;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Svg;

/// <summary>
/// Draws one cycle anomaly: its transactions on a circle (two side by side), named T1..Tn as
/// <see cref="CycleText.Render"/> names them, and one arrow per step, coloured and labelled by relation.
/// </summary>
internal static class CycleDiagram
{
    private const double NodeRadius = 22;
    private const double Margin = 56;        // room for edge labels outside the circle
    private const double LegendRow = 22;
    private const double PairSpacing = 44;   // how far apart parallel edges between one pair bow

    /// <summary>The colour of each relation; the legend and the arrowheads use the same.</summary>
    public static string ColourOf(Rel rel) => rel switch
    {
        Rel.WW => "#1f77b4",
        Rel.WR => "#2ca02c",
        Rel.RW => "#d62728",
        Rel.Process => "#7f7f7f",
        Rel.Realtime => "#9467bd",
        _ => "#444444",
    };

    /// <summary>
    /// The inline &lt;svg&gt; of <paramref name="cycle"/>. <paramref name="idSuffix"/> makes the
    /// arrowhead ids unique on the page; <paramref name="history"/> (optional) gives the node tooltips their ops.
    /// </summary>
    public static string Render(CycleFinding cycle, HistoryList? history, string idSuffix)
    {
        var steps = cycle.Steps;
        var names = new Dictionary<Txn, int>();   // txn → 0-based number: T1 is 0
        foreach (var s in steps) names.TryAdd(s.From, names.Count);
        foreach (var s in steps) names.TryAdd(s.To, names.Count);
        var n = names.Count;
        var suffix = IdPart(idSuffix);

        // Layout: two in a row, more on a circle starting at the top, in the order they are named.
        var radius = n <= 2 ? 90 : Math.Max(90, n * 2 * NodeRadius * 1.8 / (2 * Math.PI));
        var relations = steps.Select(s => s.Rel).Distinct().OrderBy(r => r).ToList();
        var width = 2 * (radius + Margin);
        var diagramHeight = n <= 2 ? 2 * (Margin + NodeRadius) : 2 * (radius + Margin);
        var height = diagramHeight + LegendRow + 8;
        var (cx, cy) = (width / 2, diagramHeight / 2);
        var at = new (double X, double Y)[n];
        for (var i = 0; i < n; i++)
        {
            if (n <= 2) at[i] = (cx + (i == 0 ? -radius : radius), cy);
            else
            {
                var angle = -Math.PI / 2 + 2 * Math.PI * i / n;
                at[i] = (cx + radius * Math.Cos(angle), cy + radius * Math.Sin(angle));
            }
        }

        var svg = new SvgWriter();
        svg.Open("svg", ("xmlns", "http://www.w3.org/2000/svg"), ("class", "cycle-diagram"), ("role", "img"),
            ("aria-label", AriaLabel(cycle, names)), ("width", N(width)), ("height", N(height)),
            ("viewBox", $"0 0 {N(width)} {N(height)}"), ("font-family", "system-ui, sans-serif"), ("font-size", "13"),
            ("style", "flex:none;max-width:100%;height:auto"));
        svg.Open("defs");
        foreach (var rel in relations)
        {
            svg.Open("marker", ("id", MarkerId(rel, suffix)), ("viewBox", "0 0 10 10"), ("refX", "9"), ("refY", "5"),
                ("markerWidth", "8"), ("markerHeight", "8"), ("markerUnits", "userSpaceOnUse"), ("orient", "auto"));
            svg.Empty("path", ("d", "M0,0 L10,5 L0,10 z"), ("fill", ColourOf(rel)));
            svg.Close("marker");
        }
        svg.Close("defs");

        // Edges first, so the nodes sit on top of their ends. Edges between one pair of nodes (both
        // directions, or repeated) bow apart so they never overlap.
        var pairs = steps.GroupBy(s => PairOf(names[s.From], names[s.To])).ToDictionary(g => g.Key, g => g.ToList());
        for (var i = 0; i < steps.Length; i++)
        {
            var s = steps[i];
            var (a, b) = (names[s.From], names[s.To]);
            var group = pairs[PairOf(a, b)];
            var k = group.IndexOf(s);
            // A lone edge bows slightly outwards (the nodes go clockwise, so outwards is to the right of travel).
            var bow = group.Count == 1 ? (n <= 2 ? 0 : -10) : PairSpacing * (k - (group.Count - 1) / 2.0);
            if (group.Count > 1 && a > b) bow = -bow;   // the perpendicular flips with the direction: keep each edge on its own side
            Edge(svg, s, at[a], at[b], bow, $"T{a + 1}", $"T{b + 1}", suffix, a == b);
        }

        for (var i = 0; i < n; i++)
        {
            var txn = names.First(kv => kv.Value == i).Key;
            svg.Open("g", ("class", "txn"));
            svg.Title($"T{i + 1} = {Describe(txn, history)}");
            svg.Empty("circle", ("cx", N(at[i].X)), ("cy", N(at[i].Y)), ("r", N(NodeRadius)),
                ("fill", txn.Committed ? "#ffffff" : "#fff3e0"), ("stroke", "#333333"), ("stroke-width", "1.5"));
            svg.Text("text", $"T{i + 1}", ("x", N(at[i].X)), ("y", N(at[i].Y)), ("text-anchor", "middle"),
                ("dominant-baseline", "central"), ("font-weight", "bold"));
            svg.Close("g");
        }

        // Legend: the relations this cycle uses.
        var x = 8.0;
        var y = diagramHeight + LegendRow / 2;
        foreach (var rel in relations)
        {
            svg.Open("g", ("class", "legend"));
            svg.Title(Meaning(rel));
            svg.Empty("line", ("x1", N(x)), ("y1", N(y)), ("x2", N(x + 22)), ("y2", N(y)), ("stroke", ColourOf(rel)), ("stroke-width", "2.5"));
            svg.Text("text", rel.Name(), ("x", N(x + 27)), ("y", N(y)), ("dominant-baseline", "central"), ("fill", "#333333"));
            svg.Close("g");
            x += 40 + 8 * rel.Name().Length;
        }
        svg.Close("svg");
        return svg.ToString();
    }

    private static void Edge(SvgWriter svg, CycleStep s, (double X, double Y) from, (double X, double Y) to, double bow,
        string a, string b, string suffix, bool self)
    {
        var colour = ColourOf(s.Rel);
        string path;
        (double X, double Y) label;
        if (self)
        {
            // A transaction before itself: the search never reports one, but draw it rather than fail.
            var (x, y) = (from.X, from.Y - NodeRadius);
            path = $"M{N(x - 8)},{N(y)} C{N(x - 30)},{N(y - 50)} {N(x + 30)},{N(y - 50)} {N(x + 8)},{N(y)}";
            label = (x, y - 46);
        }
        else
        {
            var (dx, dy) = (to.X - from.X, to.Y - from.Y);
            var length = Math.Sqrt(dx * dx + dy * dy);
            var (nx, ny) = (-dy / length, dx / length);   // the left of the direction of travel
            var control = ((from.X + to.X) / 2 + nx * bow * 2, (from.Y + to.Y) / 2 + ny * bow * 2);
            var start = Toward(from, control, NodeRadius);
            var end = Toward(to, control, NodeRadius + 1);
            path = $"M{N(start.X)},{N(start.Y)} Q{N(control.Item1)},{N(control.Item2)} {N(end.X)},{N(end.Y)}";
            // The curve's midpoint, nudged a little further to its outer side so the text clears the line.
            var (mx, my) = (0.25 * from.X + 0.5 * control.Item1 + 0.25 * to.X, 0.25 * from.Y + 0.5 * control.Item2 + 0.25 * to.Y);
            var side = bow > 0 ? 1 : -1;
            label = (mx + nx * 15 * side, my + ny * 15 * side);
        }
        svg.Open("g", ("class", "edge " + s.Rel.Name()));
        svg.Title($"{a} < {b}: {Reason(s, a, b)}");
        svg.Empty("path", ("d", path), ("fill", "none"), ("stroke", colour), ("stroke-width", "2"),
            ("marker-end", $"url(#{MarkerId(s.Rel, suffix)})"));
        svg.Text("text", Label(s), ("x", N(label.X)), ("y", N(label.Y)), ("text-anchor", "middle"), ("dominant-baseline", "central"),
            ("fill", colour), ("font-weight", "bold"), ("stroke", "#ffffff"), ("stroke-width", "4"), ("paint-order", "stroke"));
        svg.Close("g");
    }

    private static (double X, double Y) Toward((double X, double Y) p, (double X, double Y) q, double distance)
    {
        var (dx, dy) = (q.X - p.X, q.Y - p.Y);
        var length = Math.Sqrt(dx * dx + dy * dy);
        return length < 1e-9 ? p : (p.X + dx / length * distance, p.Y + dy / length * distance);
    }

    private static (int, int) PairOf(int a, int b) => a < b ? (a, b) : (b, a);

    private static string MarkerId(Rel rel, string suffix) => $"cycle-arrow-{rel.Name()}-{suffix}";

    /// <summary>"rw x": the relation and, for data edges, the key.</summary>
    private static string Label(CycleStep s)
    {
        var key = s.Why switch
        {
            Why.WriteWrite w => w.Key,
            Why.WriteRead w => w.Key,
            Why.ReadWrite r => r.Key,
            _ => null,
        };
        return key is null ? s.Rel.Name() : s.Rel.Name() + " " + Shorten(key.AsText ?? key.ToString(), 12);   // a key x, not "x"
    }

    /// <summary>The edge's reason in words, from its data (the cycle's explanation has the full sentence).</summary>
    private static string Reason(CycleStep s, string a, string b) => s.Why switch
    {
        Why.WriteWrite w => Invariant($"ww on key {w.Key}: {b} wrote {w.Next} after {a}'s {w.Prev}"),
        Why.WriteRead w => Invariant($"wr on key {w.Key}: {b} read {a}'s write of {w.Value}"),
        Why.ReadWrite r => Invariant($"rw on key {r.Key}: {a} read {(r.Read is null ? "the initial version" : r.Read.ToString())}, which {b}'s write of {r.Next} followed"),
        Why.ProcessOrder p => Invariant($"process {p.Process} ran {a} before {b}"),
        Why.Realtime r => Invariant($"realtime: {a} completed (index {r.Completed}) before {b} began (index {r.Invoked})"),
        _ => s.Rel.Name(),
    };

    private static string Meaning(Rel rel) => rel switch
    {
        Rel.WW => "ww: the second overwrote (or appended after) the first's write",
        Rel.WR => "wr: the second read what the first wrote",
        Rel.RW => "rw: the first read a version the second overwrote",
        Rel.Process => "process: the same process ran the first, then the second",
        Rel.Realtime => "realtime: the first completed before the second began",
        _ => rel.Name(),
    };

    /// <summary>"{index 7, ok, process 2, [[append x 1] …]}" from the history; the transaction's id without one.</summary>
    private static string Describe(Txn txn, HistoryList? history)
    {
        var process = txn.Process >= 0 ? Invariant($", process {txn.Process}") : "";
        if (history is null || txn.Position < 0 || txn.Position >= history.Count)
            return Invariant($"{{transaction {txn.Id}, {Op.TypeName(txn.Outcome)}{process}}}");
        var op = history[txn.Position];
        return Invariant($"{{index {op.Index}, {Op.TypeName(txn.Outcome)}{process}, {op.Value}}}");
    }

    private static string AriaLabel(CycleFinding cycle, Dictionary<Txn, int> names)
    {
        var text = new System.Text.StringBuilder(cycle.Kind).Append(" cycle:");
        foreach (var s in cycle.Steps) text.Append(" T").Append((names[s.From] + 1).ToString(CultureInfo.InvariantCulture)).Append(' ').Append(s.Rel.Name()).Append(" →");
        if (cycle.Steps.Length > 0) text.Append(" T").Append((names[cycle.Steps[0].From] + 1).ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
