using System.Diagnostics;

namespace Ddia.Verify.Checkers.Transactions;

/// <summary>
/// What a cycle must look like to be one anomaly: the relations it may use, the relation of the edge
/// it is searched from, and what the whole cycle needs (how many rw edges, a wr edge, no two rw edges
/// in a row). One table row per anomaly (STYLE.md G17), read by one search.
/// </summary>
internal sealed record CycleSpec(string Name, Rel Allowed, Rel First, int MinRw, int MaxRw, bool NeedWr = false, bool NonAdjacent = false)
{
    /// <summary>No upper bound on rw edges (the search state counts 0, 1, and "2 or more").</summary>
    private const int Unbounded = int.MaxValue;

    private static readonly CycleSpec[] Data =
    [
        new("G0", Rel.WW, Rel.WW, 0, 0),
        new("G1c", Rel.WW | Rel.WR, Rel.WR, 0, 0, NeedWr: true),
        new("G-single-item", Rel.Data, Rel.RW, 1, 1),
        new("G-nonadjacent-item", Rel.Data, Rel.RW, 2, Unbounded, NonAdjacent: true),
        new("G2-item", Rel.Data, Rel.RW, 2, Unbounded),
    ];

    /// <summary>
    /// In severity order: cycles of data dependencies first, then those that also need process order,
    /// then those that need real time. A "-process" cycle starts from a process edge, a "-realtime" one
    /// from a real-time edge, so each finds only what the ones before it could not.
    /// </summary>
    public static readonly CycleSpec[] All =
    [
        .. Data,
        .. Data.Select(d => d with { Name = d.Name + "-process", Allowed = d.Allowed | Rel.Process, First = Rel.Process }),
        .. Data.Select(d => d with { Name = d.Name + "-realtime", Allowed = d.Allowed | Rel.Extra, First = Rel.Realtime }),
    ];
}

/// <summary>A cycle found: its anomaly name and its edges as (from, to, relation) over transaction ids.</summary>
internal sealed record FoundCycle(string Name, (int From, int To, Rel Rel)[] Edges);

/// <summary>What the search found in one strongly connected component.</summary>
internal sealed record ComponentResult(int[] Nodes, List<FoundCycle> Cycles, List<string> TimedOut, string? CycleExistsAnomaly);

/// <summary>
/// Finds and classifies cycles, Elle's way: strongly connected components of the whole graph first
/// (linear time; a valid history has none), then inside each, for each anomaly in severity order, a
/// breadth-first search for the shortest cycle of that shape through one of its start edges. The
/// search state is (transaction, rw edges so far, last edge rw?, a wr edge seen?), so a shape's
/// constraints are checked exactly, not approximated. Each search has a time budget; a component
/// whose searches all run out is still reported, as a cycle that exists.
/// </summary>
internal static class CycleSearch
{
    public static List<ComponentResult> Run(DependencyGraph graph, TimeSpan budgetPerSearch, CancellationToken cancellation)
    {
        var results = new List<ComponentResult>();
        var present = Rel.None;
        for (var v = 0; v < graph.Nodes; v++)
            foreach (var r in graph.Rels(v)) present |= r;
        foreach (var component in graph.Components(Rel.WW | Rel.WR | Rel.RW | Rel.Process | Rel.Realtime))
        {
            cancellation.ThrowIfCancellationRequested();
            results.Add(SearchComponent(graph, component, present, budgetPerSearch, cancellation));
        }
        return results;
    }

    private static ComponentResult SearchComponent(DependencyGraph graph, int[] nodes, Rel present, TimeSpan budget, CancellationToken cancellation)
    {
        var local = Induced(graph, nodes);
        var found = new List<FoundCycle>();
        var names = new List<string>();
        var timedOut = new List<string>();
        foreach (var spec in CycleSpec.All)
        {
            if ((spec.First & present) == 0 || names.Contains(spec.Name) || ConsistencyModels.IsImpliedBy(spec.Name, names)) continue;
            cancellation.ThrowIfCancellationRequested();
            var (cycle, outOfTime) = new Bfs(local, spec, Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency)).Find();
            if (outOfTime) timedOut.Add(spec.Name);
            if (cycle is null) continue;
            var edges = cycle.Select(e => (nodes[e.From], nodes[e.To], e.Rel)).ToArray();
            var name = Classify(edges, spec);
            if (names.Contains(name)) continue;
            names.Add(name);
            found.Add(new FoundCycle(name, edges));
        }
        string? exists = null;
        if (found.Count == 0)
        {
            // Every cycle has one of the shapes above, so only a search that ran out of time gets here.
            exists = local.Components(Rel.Data).Count > 0 ? "serializable-cycle-exists"
                : local.Components(Rel.Data | Rel.Process).Count > 0 ? "strong-session-serializable-cycle-exists"
                : "strict-serializable-cycle-exists";
        }
        return new ComponentResult(nodes, found, timedOut, exists);
    }

    /// <summary>The anomaly a cycle is: its rw count, wr edges and whether rw edges are adjacent decide, the spec gives the suffix.</summary>
    private static string Classify((int From, int To, Rel Rel)[] edges, CycleSpec spec)
    {
        var rw = edges.Count(e => e.Rel == Rel.RW);
        var wr = edges.Any(e => e.Rel == Rel.WR);
        var adjacent = false;
        for (var i = 0; i < edges.Length; i++)
            if (edges[i].Rel == Rel.RW && edges[(i + 1) % edges.Length].Rel == Rel.RW) adjacent = true;
        var name = rw switch
        {
            0 => wr ? "G1c" : "G0",
            1 => "G-single-item",
            _ => adjacent ? "G2-item" : "G-nonadjacent-item",
        };
        var suffix = spec.First == Rel.Process ? "-process" : spec.First == Rel.Realtime ? "-realtime" : "";
        return name + suffix;
    }

    /// <summary>The subgraph on <paramref name="nodes"/> (sorted), with local ids = positions in it.</summary>
    private static DependencyGraph Induced(DependencyGraph graph, int[] nodes)
    {
        var builder = new GraphBuilder(nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            var targets = graph.Targets(nodes[i]);
            var rels = graph.Rels(nodes[i]);
            for (var e = 0; e < targets.Length; e++)
            {
                var j = Array.BinarySearch(nodes, targets[e]);
                if (j >= 0) builder.Add(i, j, rels[e]);
            }
        }
        return builder.Build();
    }

    /// <summary>One breadth-first search per start edge, over (node, state) pairs, inside one component of the allowed edges.</summary>
    private sealed class Bfs
    {
        private const int States = 12;   // rw count 0..2 × last edge rw × wr seen
        private readonly DependencyGraph g;
        private readonly CycleSpec spec;
        private readonly long deadline;
        private readonly int[] component;
        private readonly int[] stamp;
        private readonly int[] parent;
        private readonly Rel[] label;
        private readonly int[] queue;
        private int generation;

        public Bfs(DependencyGraph local, CycleSpec spec, long deadline)
        {
            g = local;
            this.spec = spec;
            this.deadline = deadline;
            component = new int[local.Nodes];
            Array.Fill(component, -1);
            var parts = local.Components(spec.Allowed);
            for (var c = 0; c < parts.Count; c++)
                foreach (var v in parts[c]) component[v] = c;
            var size = local.Nodes * States;
            stamp = new int[size];
            parent = new int[size];
            label = new Rel[size];
            queue = new int[size];
        }

        /// <summary>
        /// After the first cycle, this many more start edges are tried and the shortest cycle kept:
        /// short cycles make short explanations, and the extra searches are cheap next to the first.
        /// </summary>
        private const int ExtraTries = 32;

        public ((int From, int To, Rel Rel)[]? Cycle, bool OutOfTime) Find()
        {
            var steps = 0L;
            (int, int, Rel)[]? best = null;
            var extra = 0;
            for (var a = 0; a < g.Nodes; a++)
            {
                if (component[a] < 0) continue;
                var targets = g.Targets(a);
                var rels = g.Rels(a);
                for (var e = 0; e < targets.Length; e++)
                {
                    var b = targets[e];
                    if ((rels[e] & spec.First) == 0 || component[b] != component[a]) continue;
                    var start = Next(0, spec.First);
                    if (start < 0) continue;
                    var found = Search(a, b, start, ref steps);
                    if (steps < 0) return (best, best is null);
                    if (found is not null && (best is null || found.Length < best.Length)) best = found;
                    if (best is not null && (best.Length == 2 || ++extra > ExtraTries)) return (best, false);
                }
            }
            return (best, false);
        }

        /// <summary>State after taking an edge labelled <paramref name="rel"/>, or -1 if the spec forbids it.</summary>
        private int Next(int state, Rel rel)
        {
            var rw = state / 4;
            var lastRw = (state & 2) != 0;
            var wr = (state & 1) != 0;
            if (rel == Rel.RW)
            {
                if (rw >= spec.MaxRw || (spec.NonAdjacent && lastRw)) return -1;
                return Math.Min(rw + 1, 2) * 4 + 2 + (wr ? 1 : 0);
            }
            return rw * 4 + (rel == Rel.WR || wr ? 1 : 0);
        }

        private bool IsGoal(int state)
        {
            var rw = state / 4;
            if (rw < spec.MinRw || rw > spec.MaxRw) return false;
            if (spec.NeedWr && (state & 1) == 0) return false;
            // The cycle closes with the first edge: two rw edges may not meet there either.
            return !(spec.NonAdjacent && spec.First == Rel.RW && (state & 2) != 0);
        }

        private static readonly Rel[] Labels = [Rel.WW, Rel.WR, Rel.Process, Rel.Realtime, Rel.RW];

        private (int, int, Rel)[]? Search(int a, int b, int startState, ref long steps)
        {
            generation++;
            int head = 0, tail = 0;
            var first = b * States + startState;
            stamp[first] = generation;
            parent[first] = -1;
            label[first] = spec.First;
            queue[tail++] = first;
            var c = component[a];
            while (head < tail)
            {
                if ((++steps & 4095) == 0 && Stopwatch.GetTimestamp() > deadline)
                {
                    steps = -1;
                    return null;
                }
                var cur = queue[head++];
                var (u, state) = (cur / States, cur % States);
                var targets = g.Targets(u);
                var rels = g.Rels(u);
                for (var e = 0; e < targets.Length; e++)
                {
                    var v = targets[e];
                    if (component[v] != c) continue;
                    var usable = rels[e] & spec.Allowed;
                    if (usable == 0) continue;
                    foreach (var l in Labels)
                    {
                        if ((usable & l) == 0) continue;
                        var s = Next(state, l);
                        if (s < 0) continue;
                        if (v == a)
                        {
                            if (IsGoal(s)) return Path(a, b, cur, l);
                            continue;
                        }
                        var id = v * States + s;
                        if (stamp[id] == generation) continue;
                        stamp[id] = generation;
                        parent[id] = cur;
                        label[id] = l;
                        queue[tail++] = id;
                    }
                }
            }
            return null;
        }

        private (int, int, Rel)[] Path(int a, int b, int last, Rel closing)
        {
            var edges = new List<(int, int, Rel)> { (last / States, a, closing) };
            for (var cur = last; parent[cur] >= 0; cur = parent[cur])
                edges.Add((parent[cur] / States, cur / States, label[cur]));
            edges.Add((a, b, spec.First));
            edges.Reverse();
            return [.. edges];
        }
    }
}
