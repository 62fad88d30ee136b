using System.Globalization;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Transactions;

/// <summary>
/// Elle's rw-register inference. Writes are unique per key, so a read names its writer (wr edges), but
/// the version order is not observable: it is inferred only where evidence allows — the initial (nil)
/// version precedes every write; and, when the user vouches for it, writes follow reads inside a
/// transaction (<see cref="TxnCheckOptions.WfrKeys"/>), each process sees a key's versions in order
/// (<see cref="TxnCheckOptions.SequentialKeys"/>), or each key is linearizable
/// (<see cref="TxnCheckOptions.LinearizableKeys"/>). Each inferred "v1 before v2" gives a ww edge
/// between their writers and rw edges from the readers of v1 to the writer of v2.
/// </summary>
internal sealed class RwRegister : IEdgeExplainer
{
    private sealed record Write(Txn Txn, bool Intermediate);

    private sealed class KeyState
    {
        public readonly Dictionary<Value, Write> Writes = [];
        public readonly Dictionary<Value, List<Txn>> Readers = [];   // by version read; Value.Nil is the initial version
        public readonly HashSet<(Value Before, Value After)> Order = [];
    }

    private readonly TxnHistory history;
    private readonly KeyState[] keys;
    private readonly List<Finding> findings = [];

    private RwRegister(TxnHistory history)
    {
        this.history = history;
        keys = new KeyState[history.Keys.Count];
        for (var k = 0; k < keys.Length; k++) keys[k] = new KeyState();
    }

    public static Analysis Analyze(TxnHistory history, TxnCheckOptions options)
    {
        var a = new RwRegister(history);
        if (a.IndexWrites() is { } duplicate) return new Analysis(new GraphBuilder(history.Txns.Count), [], a, duplicate);
        foreach (var txn in history.Txns)
            if (txn.Committed) a.ReadsOf(txn, options.WfrKeys);
        if (options.SequentialKeys || options.LinearizableKeys) a.OrderBySessions(options.LinearizableKeys);
        var edges = new GraphBuilder(history.Txns.Count, capacity: history.Txns.Count * 8);   // about 7 edges per transaction, real time included
        a.AddEdges(edges);
        a.FindLostUpdates();
        return new Analysis(edges, a.findings, a);
    }

    private string? IndexWrites()
    {
        foreach (var txn in history.Txns)
        {
            var mops = txn.Mops;
            for (var m = 0; m < mops.Length; m++)
            {
                if (mops[m].Kind != MopKind.Write) continue;
                var later = false;
                for (var n = m + 1; n < mops.Length && !later; n++) later = mops[n].Kind == MopKind.Write && mops[n].Key == mops[m].Key;
                var value = mops[m].Arg ?? Value.Nil;
                if (value.IsNil || !keys[mops[m].Key].Writes.TryAdd(value, new Write(txn, later)))
                    return string.Create(CultureInfo.InvariantCulture,
                        $"value {value} written to key {history.KeyOf(mops[m].Key)} more than once, or nil written (op at position {txn.Position}): writes must be unique to infer who wrote what a read saw");
            }
        }
        return null;
    }

    /// <summary>A committed transaction's reads: what it saw externally, and whether it agrees with its own writes.</summary>
    private void ReadsOf(Txn txn, bool writesFollowReads)
    {
        Dictionary<int, Value>? state = null;
        var mops = txn.Mops;
        for (var m = 0; m < mops.Length; m++)
        {
            var mop = mops[m];
            var v = mop.Arg ?? Value.Nil;
            var key = history.KeyOf(mop.Key);
            state ??= [];
            if (mop.Kind == MopKind.Write)
            {
                // Writes follow reads: the version this transaction read (or wrote) comes before the one it writes.
                if (writesFollowReads && state.TryGetValue(mop.Key, out var before) && before != v) keys[mop.Key].Order.Add((before, v));
                state[mop.Key] = v;
                continue;
            }
            if (state.TryGetValue(mop.Key, out var expected))
            {
                if (expected != v)
                    findings.Add(new("internal", [txn.Position], key, expected,
                        $"{Name(txn)} read {v} from key {key}, but its own earlier read or write means it should have read {expected}."));
                continue;
            }
            state[mop.Key] = v;
            var k = keys[mop.Key];
            if (!k.Readers.TryGetValue(v, out var readers)) k.Readers[v] = readers = [];
            readers.Add(txn);
            if (v.IsNil) continue;
            if (!k.Writes.TryGetValue(v, out var writer))
                findings.Add(new("garbage-read", [txn.Position], key, v, $"{Name(txn)} read {v} from key {key}, a value no transaction ever wrote to it."));
            else if (writer.Txn.Outcome == OpType.Fail)
                findings.Add(new("G1a", [txn.Position, writer.Txn.Position], key, v,
                    $"{Name(txn)} read {v} from key {key}, written by {Name(writer.Txn)}, which failed (aborted read)."));
            else if (writer.Intermediate && writer.Txn != txn)
                findings.Add(new("G1b", [txn.Position, writer.Txn.Position], key, v,
                    $"{Name(txn)} read {v} from key {key}, which {Name(writer.Txn)} overwrote later in the same transaction (intermediate read)."));
        }
    }

    /// <summary>
    /// Per-key session orders the user vouched for: each process (or, for linearizable keys, anyone
    /// later in real time) sees a key's versions in order, so the last version a transaction saw or
    /// wrote precedes a different one seen or written by its successor.
    /// </summary>
    private void OrderBySessions(bool realtime)
    {
        var lastOfProcess = new Dictionary<(int Process, int Key), Value>();
        var frontier = new Dictionary<int, List<(Txn Txn, Value Version)>>();   // key → completed transactions not yet followed
        foreach (var (t, completed) in history.Events(t => t.Committed))
        {
            var (first, last) = Versions(t);
            if (!completed)
            {
                foreach (var (k, v) in first)
                {
                    if (lastOfProcess.TryGetValue((t.Process, k), out var seen) && seen != v) keys[k].Order.Add((seen, v));
                    if (realtime && frontier.TryGetValue(k, out var done))
                        foreach (var (_, before) in done)
                            if (before != v) keys[k].Order.Add((before, v));
                }
                continue;
            }
            foreach (var (k, v) in last)
            {
                lastOfProcess[(t.Process, k)] = v;
                if (!realtime) continue;
                if (!frontier.TryGetValue(k, out var done)) frontier[k] = done = [];
                done.RemoveAll(d => d.Txn.Complete < t.Invoke);
                done.Add((t, v));
            }
        }
    }

    /// <summary>The first version a transaction saw of each key (read or written) and the last.</summary>
    private static (Dictionary<int, Value> First, Dictionary<int, Value> Last) Versions(Txn t)
    {
        var first = new Dictionary<int, Value>();
        var last = new Dictionary<int, Value>();
        foreach (var m in t.Mops)
        {
            var v = m.Arg ?? Value.Nil;
            first.TryAdd(m.Key, v);
            last[m.Key] = v;
        }
        return (first, last);
    }

    private void AddEdges(GraphBuilder edges)
    {
        foreach (var k in keys)
        {
            foreach (var (v, readers) in k.Readers)
                if (!v.IsNil && k.Writes.TryGetValue(v, out var w) && w.Txn.MayHaveCommitted)
                    foreach (var r in readers) edges.Add(w.Txn.Id, r.Id, Rel.WR);
            // The initial version precedes every write.
            if (k.Readers.TryGetValue(Value.Nil, out var initialReaders))
                foreach (var w in k.Writes.Values)
                    if (w.Txn.MayHaveCommitted)
                        foreach (var r in initialReaders) edges.Add(r.Id, w.Txn.Id, Rel.RW);
            foreach (var (before, after) in k.Order)
            {
                if (!k.Writes.TryGetValue(after, out var next) || !next.Txn.MayHaveCommitted) continue;
                if (k.Writes.TryGetValue(before, out var prev) && prev.Txn.MayHaveCommitted) edges.Add(prev.Txn.Id, next.Txn.Id, Rel.WW);
                if (k.Readers.TryGetValue(before, out var readers))
                    foreach (var r in readers) edges.Add(r.Id, next.Txn.Id, Rel.RW);
            }
        }
    }

    private void FindLostUpdates()
    {
        for (var k = 0; k < keys.Length; k++)
        {
            foreach (var (v, readers) in keys[k].Readers)
            {
                var writers = readers.Where(t => t.Mops.Any(m => m.Kind == MopKind.Write && m.Key == k)).ToList();
                if (writers.Count < 2) continue;
                var key = history.KeyOf(k);
                findings.Add(new("lost-update", [.. writers.Select(t => t.Position)], key, v,
                    $"{string.Join(", ", writers.Select(Name))} all read {v} from key {key} and then wrote it: each one's update was lost to the others."));
            }
        }
    }

    public Why? Explain(Txn a, Txn b, Rel rel)
    {
        for (var k = 0; k < keys.Length; k++)
        {
            var state = keys[k];
            var key = history.KeyOf(k);
            foreach (var m in b.Mops)
            {
                if (m.Key != k) continue;
                var v = m.Arg ?? Value.Nil;
                switch (rel)
                {
                    case Rel.WR when m.Kind == MopKind.Read && state.Writes.GetValueOrDefault(v)?.Txn == a && state.Readers.GetValueOrDefault(v)?.Contains(b) == true:
                        return new Why.WriteRead(key, v);
                    case Rel.WW when m.Kind == MopKind.Write:
                        foreach (var (before, after) in state.Order)
                            if (after == v && state.Writes.GetValueOrDefault(before)?.Txn == a) return new Why.WriteWrite(key, before, v);
                        break;
                    case Rel.RW when m.Kind == MopKind.Write:
                        if (state.Readers.GetValueOrDefault(Value.Nil)?.Contains(a) == true) return new Why.ReadWrite(key, null, v);
                        foreach (var (before, after) in state.Order)
                            if (after == v && state.Readers.GetValueOrDefault(before)?.Contains(a) == true) return new Why.ReadWrite(key, before, v);
                        break;
                }
            }
        }
        return null;
    }

    public string Render(Why why, string a, string b) => why switch
    {
        Why.WriteWrite w => $"{b} wrote {w.Next} to key {w.Key}, overwriting {a}'s {w.Prev}",
        Why.WriteRead w => $"{b} read {a}'s write of {w.Value} to key {w.Key}",
        Why.ReadWrite { Read: null } w => $"{a} read the initial (nil) version of key {w.Key}, which {b}'s write of {w.Next} overwrote",
        Why.ReadWrite w => $"{a} read {w.Read} from key {w.Key}, which {b}'s write of {w.Next} overwrote",
        _ => why.ToString(),
    };

    private string Name(Txn txn) => CycleText.Name(txn, history);
}
