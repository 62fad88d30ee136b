namespace Ddia.Verify.Checkers.Transactions;

/// <summary>Why one transaction must precede another; an edge carries a set of these.</summary>
[Flags]
public enum Rel : byte
{
    None = 0,
    /// <summary>Write-write: the second overwrote (or appended after) the first's write.</summary>
    WW = 1,
    /// <summary>Write-read: the second read what the first wrote.</summary>
    WR = 2,
    /// <summary>Read-write (anti-dependency): the first read a version the second overwrote.</summary>
    RW = 4,
    /// <summary>The same process ran the first, then the second.</summary>
    Process = 8,
    /// <summary>The first completed before the second was invoked.</summary>
    Realtime = 16,

    Data = WW | WR | RW,
    Extra = Process | Realtime,
}

public static class RelNames
{
    public static string Name(this Rel rel) => rel switch
    {
        Rel.WW => "ww",
        Rel.WR => "wr",
        Rel.RW => "rw",
        Rel.Process => "process",
        Rel.Realtime => "realtime",
        _ => rel.ToString(),
    };
}

/// <summary>Collects edges between transaction ids; duplicates are merged when the graph is built.</summary>
public sealed class GraphBuilder(int nodes, int capacity = 1024)
{
    private int[] from = new int[Math.Max(capacity, 16)];
    private long[] edges = new long[Math.Max(capacity, 16)];   // to << 8 | rel
    private int count;

    public int Nodes { get; } = nodes;

    public void Add(int source, int target, Rel rel)
    {
        if (source == target) return;   // a transaction never depends on itself here; self-contradictions are found elsewhere
        if (count == edges.Length)
        {
            Array.Resize(ref edges, edges.Length * 2);
            Array.Resize(ref from, from.Length * 2);
        }
        from[count] = source;
        edges[count++] = ((long)target << 8) | (byte)rel;
    }

    /// <summary>
    /// Compressed rows, one entry per (from, to) with the union of its relations: a counting sort by
    /// source (linear), then each short row sorted by target and merged.
    /// </summary>
    public DependencyGraph Build()
    {
        var offsets = new int[Nodes + 1];
        for (var i = 0; i < count; i++) offsets[from[i] + 1]++;
        for (var v = 0; v < Nodes; v++) offsets[v + 1] += offsets[v];
        var sorted = new long[count];
        var fill = offsets[..^1];
        for (var i = 0; i < count; i++) sorted[fill[from[i]]++] = edges[i];
        from = [];
        edges = [];
        var targets = new int[count];
        var rels = new Rel[count];
        var n = 0;
        var rows = new int[Nodes + 1];
        for (var v = 0; v < Nodes; v++)
        {
            var row = sorted.AsSpan(offsets[v], offsets[v + 1] - offsets[v]);
            row.Sort();
            for (var i = 0; i < row.Length; i++)
            {
                var to = (int)(row[i] >> 8);
                if (i > 0 && (row[i - 1] >> 8) == to) rels[n - 1] |= (Rel)(byte)row[i];
                else
                {
                    targets[n] = to;
                    rels[n] = (Rel)(byte)row[i];
                    n++;
                }
            }
            rows[v + 1] = n;
        }
        count = 0;
        Array.Resize(ref targets, n);
        Array.Resize(ref rels, n);
        return new DependencyGraph(rows, targets, rels);
    }
}

/// <summary>
/// The dependency graph of a history's transactions: nodes are <see cref="Txn.Id"/>s, each edge
/// carries the relations that order its ends. Immutable.
/// </summary>
public sealed class DependencyGraph(int[] offsets, int[] targets, Rel[] rels)
{
    public int Nodes => offsets.Length - 1;
    public int EdgeCount => targets.Length;

    public ReadOnlySpan<int> Targets(int node) => targets.AsSpan(offsets[node], offsets[node + 1] - offsets[node]);
    public ReadOnlySpan<Rel> Rels(int node) => rels.AsSpan(offsets[node], offsets[node + 1] - offsets[node]);

    /// <summary>The relations on the edge from → to, or None.</summary>
    public Rel RelsBetween(int from, int to)
    {
        var row = Targets(from);
        var i = row.BinarySearch(to);
        return i >= 0 ? Rels(from)[i] : Rel.None;
    }

    /// <summary>
    /// Strongly connected components with more than one node, over the edges that carry any of
    /// <paramref name="allowed"/> (iterative Tarjan, O(nodes + edges)). Each component is sorted.
    /// </summary>
    public List<int[]> Components(Rel allowed)
    {
        var result = new List<int[]>();
        var n = Nodes;
        var index = new int[n];
        var low = new int[n];
        var onStack = new bool[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var call = new Stack<(int Node, int Edge)>();
        var next = 0;
        for (var root = 0; root < n; root++)
        {
            if (index[root] >= 0) continue;
            call.Push((root, 0));
            index[root] = low[root] = next++;
            stack.Push(root);
            onStack[root] = true;
            while (call.Count > 0)
            {
                var (v, e) = call.Pop();
                var row = Targets(v);
                var rowRels = Rels(v);
                var descended = false;
                for (; e < row.Length; e++)
                {
                    if ((rowRels[e] & allowed) == 0) continue;
                    var w = row[e];
                    if (index[w] < 0)
                    {
                        call.Push((v, e + 1));
                        call.Push((w, 0));
                        index[w] = low[w] = next++;
                        stack.Push(w);
                        onStack[w] = true;
                        descended = true;
                        break;
                    }
                    if (onStack[w]) low[v] = Math.Min(low[v], index[w]);
                }
                if (descended) continue;
                if (low[v] == index[v])
                {
                    var component = new List<int>();
                    int w;
                    do
                    {
                        w = stack.Pop();
                        onStack[w] = false;
                        component.Add(w);
                    } while (w != v);
                    if (component.Count > 1)
                    {
                        component.Sort();
                        result.Add([.. component]);
                    }
                }
                if (call.Count > 0)
                {
                    var parent = call.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[v]);
                }
            }
        }
        return result;
    }
}
