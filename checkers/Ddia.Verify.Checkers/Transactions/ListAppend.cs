using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Transactions;

/// <summary>
/// Elle's list-append inference. Appends are unique per key, so every committed read of a key is a
/// prefix of one version order, and the longest read is that order as far as anyone observed it.
/// From it: ww edges between consecutive appends (and from the last observed append to every append
/// no read saw), wr edges from the writer of a read's last element, rw edges from a read to the writer
/// of the element after its last. Non-cycle anomalies are found on the way.
/// </summary>
internal sealed class ListAppend : IEdgeExplainer
{
    /// <summary>One append of a value to a key: by which transaction, and whether that transaction appended to the key again later.</summary>
    private sealed record Append(Txn Txn, int Mop, bool Intermediate)
    {
        public int OrderPosition { get; set; } = -1;
    }

    private sealed class KeyState
    {
        public readonly Dictionary<Value, Append> Appends = [];
        public ImmutableArray<Value> Order = [];
        public Txn? OrderReader;
        public readonly List<Txn> Unread = [];
    }

    /// <summary>The first read of a key in a committed transaction, as the rest of the database saw it.</summary>
    private readonly record struct ExternalRead(Txn Txn, int Mop, int Key, ImmutableArray<Value> Items, int Length, bool Compatible = true);

    private readonly TxnHistory history;
    private readonly KeyState[] keys;
    private readonly List<ExternalRead> reads;
    private Dictionary<(int Txn, int Key), int>? readOf;   // → index in reads; built when the first edge is explained
    private readonly List<Finding> findings = [];

    private ListAppend(TxnHistory history)
    {
        this.history = history;
        keys = new KeyState[history.Keys.Count];
        for (var k = 0; k < keys.Length; k++) keys[k] = new KeyState();
        reads = new List<ExternalRead>(history.Txns.Count);
    }

    public static Analysis Analyze(TxnHistory history)
    {
        var a = new ListAppend(history);
        if (a.IndexAppends() is { } duplicate) return new Analysis(new GraphBuilder(history.Txns.Count), [], a, duplicate);
        foreach (var txn in history.Txns)
            if (txn.Committed) a.ReadsOf(txn);
        a.InferOrders();
        var edges = new GraphBuilder(history.Txns.Count, capacity: history.Txns.Count * 8);   // about 7 edges per transaction, real time included
        a.AddEdges(edges);
        a.FindLostUpdates();
        return new Analysis(edges, a.findings, a);
    }

    private string? IndexAppends()
    {
        foreach (var txn in history.Txns)
        {
            var mops = txn.Mops;
            for (var m = 0; m < mops.Length; m++)
            {
                if (mops[m].Kind != MopKind.Append) continue;
                var later = false;
                for (var n = m + 1; n < mops.Length && !later; n++) later = mops[n].Kind == MopKind.Append && mops[n].Key == mops[m].Key;
                var value = mops[m].Arg ?? Value.Nil;
                if (!keys[mops[m].Key].Appends.TryAdd(value, new Append(txn, m, later)))
                {
                    var other = keys[mops[m].Key].Appends[value].Txn;
                    // Elle's rule: the version order is only recoverable when appended values are unique per key.
                    return string.Create(CultureInfo.InvariantCulture,
                        $"value {value} appended to key {history.KeyOf(mops[m].Key)} more than once (ops at positions {other.Position} and {txn.Position}): the version order cannot be inferred");
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Checks a committed transaction's reads against each other and its own appends, and records its
    /// external reads (the first read of each key). Transactions are short, so this scans micro-ops
    /// instead of building per-transaction maps: it runs once per transaction of a million.
    /// </summary>
    private void ReadsOf(Txn txn)
    {
        var mops = txn.Mops;
        for (var m = 0; m < mops.Length; m++)
        {
            var mop = mops[m];
            if (mop.Kind != MopKind.Read) continue;
            var items = ReadItems(mop, txn, m);
            var prior = -1;
            for (var p = m - 1; p >= 0 && prior < 0; p--)
                if (mops[p].Kind == MopKind.Read && mops[p].Key == mop.Key) prior = p;
            // What the transaction itself appended to the key since its last read of it (or since it began).
            List<Value> own = NoValues;
            for (var p = prior + 1; p < m; p++)
                if (mops[p].Kind == MopKind.Append && mops[p].Key == mop.Key)
                {
                    if (own == NoValues) own = [];
                    own.Add(mops[p].Arg ?? Value.Nil);
                }
            var key = history.KeyOf(mop.Key);
            if (prior >= 0)
            {
                var expected = ReadItems(mops[prior], txn, prior).AddRange(own);
                if (!SameItems(expected.AsSpan(), items.AsSpan()))
                {
                    AddFinding(new("internal", [txn.Position], key, Value.List(expected),
                        $"{Name(txn)} read key {key} = {List(items)}, but its own earlier read and appends mean it should have read {List(expected)}."));
                    CheckElements(txn, mop.Key, items);
                }
                continue;
            }
            if (own.Count > 0 && (items.Length < own.Count || !SameItems(items.AsSpan()[(items.Length - own.Count)..], own.ToArray())))
            {
                AddFinding(new("internal", [txn.Position], key, Value.List(own.ToImmutableArray()),
                    $"{Name(txn)} appended {List(own)} to key {key} and then read {List(items)}, which does not end with its own appends."));
                CheckElements(txn, mop.Key, items);
                continue;
            }
            reads.Add(new ExternalRead(txn, m, mop.Key, items, items.Length - own.Count));
        }
    }

    private static readonly List<Value> NoValues = [];

    private static ImmutableArray<Value> ReadItems(Mop mop, Txn txn, int m)
    {
        if (mop.Arg is null || mop.Arg.IsNil) return [];
        if (mop.Arg.Kind != ValueKind.List)
            throw new CheckerInputException(txn.Complete, $"value[{m}]", $"a list-append read returns a list, got {mop.Arg}");
        return mop.Arg.Items;
    }

    private static bool SameItems(ReadOnlySpan<Value> a, ReadOnlySpan<Value> b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
            if (!ReferenceEquals(a[i], b[i]) && !a[i].Equals(b[i])) return false;
        return true;
    }

    /// <summary>The elements of a read no valid history can hold: duplicates, garbage (never appended), aborted appends.</summary>
    private List<(int Index, string Kind)> BadElements(int k, ImmutableArray<Value> items)
    {
        var bad = new List<(int, string)>();
        var appends = keys[k].Appends;
        var seen = new HashSet<Value>(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            var v = items[i];
            if (!seen.Add(v)) bad.Add((i, "duplicate-elements"));
            if (!appends.TryGetValue(v, out var writer)) bad.Add((i, "garbage-read"));
            else if (writer.Txn.Outcome == OpType.Fail) bad.Add((i, "G1a"));
        }
        return bad;
    }

    private void CheckElements(Txn txn, int k, ImmutableArray<Value> items, List<(int Index, string Kind)>? bad = null, int length = int.MaxValue)
    {
        var key = history.KeyOf(k);
        foreach (var (i, kind) in bad ?? BadElements(k, items))
        {
            if (i >= length) break;
            var v = items[i];
            var writer = keys[k].Appends.GetValueOrDefault(v);
            AddFinding(kind switch
            {
                "duplicate-elements" => new(kind, [txn.Position], key, v, $"{Name(txn)} read key {key} = {List(items.Take(length))}, in which {v} appears more than once."),
                "garbage-read" => new(kind, [txn.Position], key, v, $"{Name(txn)} read key {key} = {List(items.Take(length))}, but no transaction ever appended {v} to it."),
                _ => new(kind, [txn.Position, writer!.Txn.Position], key, v,
                    $"{Name(txn)} read key {key} = {List(items.Take(length))}, including {v}, which was appended by {Name(writer.Txn)}, a transaction that failed (aborted read)."),
            });
        }
    }

    /// <summary>At most this many findings of one kind per key: a broken order would otherwise repeat itself in every later read.</summary>
    private const int FindingsPerKindAndKey = 10;
    private readonly Dictionary<(string, Value?), int> findingCounts = [];

    private void AddFinding(Finding f)
    {
        var n = findingCounts.GetValueOrDefault((f.Kind, f.Key));
        findingCounts[(f.Kind, f.Key)] = n + 1;
        if (n < FindingsPerKindAndKey) findings.Add(f);
    }

    /// <summary>
    /// The longest read of each key is its version order. Every other read must be a prefix of it; the
    /// order's own elements are checked once, and a read inherits the problems of the prefix it saw.
    /// </summary>
    private void InferOrders()
    {
        foreach (var r in reads)
        {
            var state = keys[r.Key];
            if (r.Items.Length > state.Order.Length) (state.Order, state.OrderReader) = (r.Items, r.Txn);
        }
        var bad = new List<(int Index, string Kind)>?[keys.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            var state = keys[k];
            for (var i = 0; i < state.Order.Length; i++)
                if (state.Appends.TryGetValue(state.Order[i], out var a) && a.OrderPosition < 0) a.OrderPosition = i;
            // Appends no committed read saw come after everything observed; their order among themselves is unknown.
            foreach (var a in state.Appends.Values)
                if (a.OrderPosition < 0 && a.Txn.MayHaveCommitted && (state.Unread.Count == 0 || state.Unread[^1] != a.Txn))
                    state.Unread.Add(a.Txn);   // a transaction's appends to one key are indexed one after another
            if (state.Order.Length > 0) bad[k] = BadElements(k, state.Order);
        }
        var reported = new HashSet<int>();
        for (var i = 0; i < reads.Count; i++)
        {
            var r = reads[i];
            var state = keys[r.Key];
            var key = history.KeyOf(r.Key);
            if (SameItems(state.Order.AsSpan(0, r.Items.Length), r.Items.AsSpan()))
            {
                if (bad[r.Key] is { Count: > 0 } b && b[0].Index < r.Items.Length) CheckElements(r.Txn, r.Key, state.Order, b, r.Items.Length);
                FutureReads(r, state, compatible: true);
            }
            else
            {
                reads[i] = r with { Compatible = false };
                CheckElements(r.Txn, r.Key, r.Items);
                FutureReads(r, state, compatible: false);
                if (reported.Add(r.Key))
                    findings.Add(new("incompatible-order", [r.Txn.Position, state.OrderReader!.Position], key, Value.List(Value.List(r.Items), Value.List(state.Order)),
                        $"{Name(r.Txn)} read key {key} = {List(r.Items)} and {Name(state.OrderReader)} read {List(state.Order)}: neither is a prefix of the other, so they cannot come from one order of appends."));
            }
            if (r.Length > 0 && state.Appends.TryGetValue(r.Items[r.Length - 1], out var last) && last.Intermediate && last.Txn != r.Txn)
                AddFinding(new("G1b", [r.Txn.Position, last.Txn.Position], key, r.Items[r.Length - 1],
                    $"{Name(r.Txn)} read key {key} = {List(r.Items)}, ending in {r.Items[r.Length - 1]}, which {Name(last.Txn)} appended but then appended to again in the same transaction (intermediate read)."));
        }
    }

    /// <summary>A read that holds an element its own transaction appends only later.</summary>
    private void FutureReads(ExternalRead r, KeyState state, bool compatible)
    {
        var mops = r.Txn.Mops;
        for (var n = r.Mop + 1; n < mops.Length; n++)
        {
            if (mops[n].Kind != MopKind.Append || mops[n].Key != r.Key) continue;
            var position = state.Appends[mops[n].Arg ?? Value.Nil].OrderPosition;
            // A read that is a prefix of the order holds exactly the elements before its length.
            if (position < 0 || !(compatible ? position < r.Items.Length : r.Items.Contains(state.Order[position]))) continue;
            var key = history.KeyOf(r.Key);
            AddFinding(new("future-read", [r.Txn.Position], key, mops[n].Arg,
                $"{Name(r.Txn)} read key {key} = {List(r.Items)}, which holds {mops[n].Arg}, an element the same transaction only appended later."));
        }
    }

    private void AddEdges(GraphBuilder edges)
    {
        for (var k = 0; k < keys.Length; k++)
        {
            var state = keys[k];
            var order = state.Order;
            Append? previous = null;
            for (var i = 0; i < order.Length; i++)
            {
                if (!state.Appends.TryGetValue(order[i], out var current)) { previous = null; continue; }
                if (previous is not null)
                {
                    if (previous.Txn.Outcome == OpType.Fail && current.Txn.MayHaveCommitted)
                        findings.Add(new("dirty-update", [previous.Txn.Position, current.Txn.Position], history.KeyOf(k), Value.List(order[i - 1], order[i]),
                            $"{Name(current.Txn)} appended {order[i]} to key {history.KeyOf(k)} right after {order[i - 1]}, which {Name(previous.Txn)} appended and which failed: a write built on an aborted one."));
                    if (previous.Txn.MayHaveCommitted && current.Txn.MayHaveCommitted) edges.Add(previous.Txn.Id, current.Txn.Id, Rel.WW);
                }
                previous = current;
            }
            if (order.Length > 0 && state.Appends.TryGetValue(order[^1], out var tail) && tail.Txn.MayHaveCommitted)
                foreach (var u in state.Unread) edges.Add(tail.Txn.Id, u.Id, Rel.WW);
        }
        foreach (var r in reads)
        {
            var state = keys[r.Key];
            if (r.Length > 0 && r.Length <= r.Items.Length && state.Appends.TryGetValue(r.Items[r.Length - 1], out var w) && w.Txn.MayHaveCommitted)
                edges.Add(w.Txn.Id, r.Txn.Id, Rel.WR);
            if (!r.Compatible) continue;
            if (r.Length < state.Order.Length)
            {
                if (state.Appends.TryGetValue(state.Order[r.Length], out var next) && next.Txn.MayHaveCommitted) edges.Add(r.Txn.Id, next.Txn.Id, Rel.RW);
            }
            else
            {
                foreach (var u in state.Unread) edges.Add(r.Txn.Id, u.Id, Rel.RW);
            }
        }
    }

    /// <summary>The transactions whose appends come right after the first <paramref name="length"/> elements of the key's order.</summary>
    private static IEnumerable<Txn> NextWriters(KeyState state, int length)
    {
        if (length < state.Order.Length)
        {
            if (state.Appends.TryGetValue(state.Order[length], out var next) && next.Txn.MayHaveCommitted) yield return next.Txn;
            yield break;
        }
        foreach (var u in state.Unread) yield return u;
    }

    private void FindLostUpdates()
    {
        // Most versions are read-then-appended by one transaction at most: keep the first, list only the rest.
        var first = new Dictionary<(int Key, int Length), Txn>();
        Dictionary<(int Key, int Length), List<Txn>>? more = null;
        foreach (var r in reads)
        {
            if (!r.Compatible || !AppendsLater(r)) continue;
            if (first.TryAdd((r.Key, r.Length), r.Txn)) continue;
            more ??= [];
            if (!more.TryGetValue((r.Key, r.Length), out var list)) more[(r.Key, r.Length)] = list = [first[(r.Key, r.Length)]];
            list.Add(r.Txn);
        }
        foreach (var ((k, length), txns) in more ?? [])
        {
            var key = history.KeyOf(k);
            var version = Value.List(keys[k].Order.Take(length).ToImmutableArray());
            AddFinding(new("lost-update", [.. txns.Select(t => t.Position)], key, version,
                $"{string.Join(", ", txns.Select(Name))} all read key {key} = {version} and then appended to it: each one's update was lost to the others."));
        }
    }

    private static bool AppendsLater(ExternalRead r)
    {
        var mops = r.Txn.Mops;
        for (var n = r.Mop + 1; n < mops.Length; n++)
            if (mops[n].Kind == MopKind.Append && mops[n].Key == r.Key) return true;
        return false;
    }

    public Why? Explain(Txn a, Txn b, Rel rel)
    {
        switch (rel)
        {
            case Rel.WW:
                foreach (var m in a.Mops)
                {
                    if (m.Kind != MopKind.Append) continue;
                    var state = keys[m.Key];
                    var mine = state.Appends[m.Arg ?? Value.Nil];
                    if (mine.OrderPosition < 0) continue;
                    var p = mine.OrderPosition;
                    if (p + 1 < state.Order.Length)
                    {
                        var next = state.Appends.GetValueOrDefault(state.Order[p + 1]);
                        if (next?.Txn == b) return new Why.WriteWrite(history.KeyOf(m.Key), state.Order[p], state.Order[p + 1]);
                    }
                    else if (state.Unread.Contains(b))
                        return new Why.WriteWrite(history.KeyOf(m.Key), state.Order[p], FirstAppend(b, m.Key));
                }
                return null;
            case Rel.WR:
                foreach (var r in ReadsBy(b))
                    if (r.Length > 0 && keys[r.Key].Appends.GetValueOrDefault(r.Items[r.Length - 1])?.Txn == a)
                        return new Why.WriteRead(history.KeyOf(r.Key), r.Items[r.Length - 1]);
                return null;
            case Rel.RW:
                foreach (var r in ReadsBy(a))
                {
                    if (!r.Compatible || !NextWriters(keys[r.Key], r.Length).Contains(b)) continue;
                    var state = keys[r.Key];
                    var next = r.Length < state.Order.Length ? state.Order[r.Length] : FirstAppend(b, r.Key);
                    return new Why.ReadWrite(history.KeyOf(r.Key), r.Length > 0 ? r.Items[r.Length - 1] : null, next);
                }
                return null;
            default:
                return null;
        }
    }

    private IEnumerable<ExternalRead> ReadsBy(Txn txn)
    {
        foreach (var m in txn.Mops)
            if (m.Kind == MopKind.Read && ReadIndex().TryGetValue((txn.Id, m.Key), out var i)) yield return reads[i];
    }

    private Dictionary<(int Txn, int Key), int> ReadIndex()
    {
        if (readOf is null)
        {
            readOf = new Dictionary<(int, int), int>(reads.Count);
            for (var i = 0; i < reads.Count; i++) readOf[(reads[i].Txn.Id, reads[i].Key)] = i;
        }
        return readOf;
    }

    private static Value FirstAppend(Txn txn, int key) =>
        txn.Mops.First(m => m.Kind == MopKind.Append && m.Key == key).Arg ?? Value.Nil;

    public string Render(Why why, string a, string b) => why switch
    {
        Why.WriteWrite w => $"{b} appended {w.Next} after {a} appended {w.Prev} to key {w.Key}",
        Why.WriteRead w => $"{b} observed {a}'s append of {w.Value} to key {w.Key}",
        Why.ReadWrite { Read: null } w => $"{a} read key {w.Key} before any append, and did not observe {b}'s append of {w.Next}",
        Why.ReadWrite w => $"{a} read key {w.Key} up to {w.Read}, and did not observe {b}'s append of {w.Next}, which came next",
        _ => why.ToString(),
    };

    private string Name(Txn txn) => CycleText.Name(txn, history);

    private static string List(IEnumerable<Value> items) => Value.List(items.ToImmutableArray()).ToString();
}
