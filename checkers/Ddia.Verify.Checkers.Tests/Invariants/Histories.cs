using System.Collections.Immutable;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Invariants;

/// <summary>Hand-written and simulated histories for the invariant checkers.</summary>
internal static class Histories
{
    /// <summary>
    /// <see cref="Ops.Parse"/>, with maps written as lists of pairs: a top-level value that is a
    /// non-empty list of two-item lists becomes a map, so <c>read->[[a 10] [b 20]]</c> reads
    /// <c>{a 10, b 20}</c> and <c>go-off-call([[shift s1] [doctor alice]])</c> names a shift and a doctor.
    /// </summary>
    public static HistoryList Parse(string text) =>
        new(Ops.Parse(text).Select(op => op with { Value = AsMap(op.Value) }).ToArray());

    private static Value AsMap(Value v) =>
        v.Kind == ValueKind.List && v.Items.Length > 0 && v.Items.All(i => i.Kind == ValueKind.List && i.Items.Length == 2)
            ? Value.Map([.. v.Items.Select(i => new KeyValuePair<Value, Value>(i.Items[0], i.Items[1]))])
            : v;

    public static Value Map(params (string Key, Value Value)[] entries) =>
        Value.Map([.. entries.Select(e => new KeyValuePair<Value, Value>(Value.Of(e.Key), e.Value))]);

    public static ImmutableArray<int> Positions(HistoryList h, Func<Op, bool> where) =>
        [.. Enumerable.Range(0, h.Count).Where(i => where(h[i]))];

    /// <summary>The history position of the n-th invocation of f (0-based).</summary>
    public static int Invoke(HistoryList h, string f, int n = 0) =>
        Enumerable.Range(0, h.Count).Where(i => h[i].IsInvoke && h[i].IsClient && h[i].F == f).ElementAt(n);

    /// <summary>
    /// A correct execution of a counter or a set: <paramref name="processes"/> clients each run ops one
    /// at a time; each op takes effect at one instant inside its interval, on one shared object, and
    /// reads return what the object held at that instant. Some adds fail (no effect) and some ops end in
    /// info (an add then takes effect or not, possibly after the test, and the client continues under a
    /// new process id); a final read runs after everything else. Counter adds are -5..9; set adds are
    /// unique integers.
    /// </summary>
    public static HistoryList Simulate(bool set, int seed, int processes, int ops, double infoRate)
    {
        var rng = new Random(seed);
        var free = new long[processes];
        var ids = Enumerable.Range(0, processes).ToArray();
        var events = new List<(long Time, int Kind, int Op)>();   // kind: 0 invoke, 1 complete, 2 effect
        var planned = new List<(int Process, string F, Value Invoked, OpType Outcome, bool Effect)>();
        long Encode(long raw, int slot, int odd) => ((raw * processes) + slot) * 2 + odd;
        var next = 0;
        for (var n = 0; n <= ops; n++)
        {
            var final = n == ops;
            var slot = final ? 0 : rng.Next(processes);
            var start = final ? free.Max() + 1 : free[slot] + rng.Next(1, 10);
            var effect = start + rng.Next(1, 10);
            var end = effect + rng.Next(1, 10);
            free[slot] = end;
            var read = final || rng.Next(3) == 0;
            var outcome = final ? OpType.Ok : rng.NextDouble() < infoRate ? OpType.Info : !read && rng.Next(8) == 0 ? OpType.Fail : OpType.Ok;
            var invoked = read ? Value.Nil : Value.Of(set ? next++ : rng.Next(-5, 10));
            var takesEffect = outcome == OpType.Ok || (outcome == OpType.Info && !read && rng.Next(2) == 0);
            var id = planned.Count;
            planned.Add((ids[slot], read ? "read" : "add", invoked, outcome, takesEffect));
            events.Add((Encode(start, slot, 0), 0, id));
            if (outcome == OpType.Info)
            {
                ids[slot] += processes;   // an info op's process never returns
                if (rng.Next(2) == 0) events.Add((Encode(end, slot, 0), 1, id));
                if (takesEffect) events.Add((Encode(effect + rng.Next(0, 40), slot, 1), 2, id));
            }
            else
            {
                events.Add((Encode(end, slot, 0), 1, id));
                if (takesEffect) events.Add((Encode(effect, slot, 0), 2, id));
            }
        }
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Kind.CompareTo(b.Kind));

        var results = new Value[planned.Count];
        long counter = 0;
        var members = new SortedSet<long>();
        foreach (var (_, kind, id) in events)
        {
            if (kind != 2) continue;
            var p = planned[id];
            if (p.F == "read") results[id] = set ? Value.List(members.Select(Value.Of).ToArray()) : Value.Of(counter);
            else if (set) members.Add(p.Invoked.AsLong);
            else counter += p.Invoked.AsLong;
        }
        var history = new List<Op>();
        foreach (var (time, kind, id) in events)
        {
            if (kind == 2) continue;
            var p = planned[id];
            var type = kind == 0 ? OpType.Invoke : p.Outcome;
            var value = kind == 0 || p.F == "add" ? p.Invoked : p.Outcome == OpType.Ok ? results[id] : Value.Nil;
            history.Add(new Op(history.Count, time, type, p.Process, p.F, value));
        }
        return new HistoryList(history);
    }
}
