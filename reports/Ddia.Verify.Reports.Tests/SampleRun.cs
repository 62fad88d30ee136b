using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Tests;

/// <summary>
/// A 30-second register run with faults, built by hand: 4 workers on 8 keys, each op applied at the
/// middle of its interval (so the history is linearizable by construction), slower and failing more
/// while the network is partitioned. A partition (5–10 s), a pause (12–15 s) and a kill that is never
/// healed (from 20 s). <paramref name="staleRead"/> adds one read at the end that sees an overwritten value.
/// </summary>
internal static class SampleRun
{
    private const long Ms = 1_000_000;
    private const long S = 1_000 * Ms;
    private const int Workers = 4;

    public static HistoryList Build(bool staleRead, int seed = 7)
    {
        var random = new Random(seed);
        var events = new List<(long Time, int Order, Op Op)>();
        var state = new Dictionary<long, long>();
        var writes = 0L;
        var order = 0;

        void Nemesis(long at, string f)
        {
            events.Add((at, order++, new Op(0, at, OpType.Invoke, Op.NemesisProcess, f, Value.Nil)));
            events.Add((at + (50 * Ms), order++, new Op(0, at + (50 * Ms), OpType.Info, Op.NemesisProcess, f, Value.Nil)));
        }
        Nemesis(5 * S, "start-partition");
        Nemesis(10 * S, "stop-partition");
        Nemesis(12 * S, "pause");
        Nemesis(15 * S, "resume");
        Nemesis(20 * S, "kill");

        var ops = new List<(long Invoke, long Complete, int Process, string F, long Key, long Written, OpType Type)>();
        for (var w = 0; w < Workers; w++)
        {
            var process = w;
            var t = random.Next(0, 20) * Ms;
            while (t < 30 * S)
            {
                var partitioned = t is >= 5 * S and < 10 * S;
                var latency = (long)((partitioned ? random.Next(50, 400) : random.Next(1, 8) + random.NextDouble()) * Ms);
                var roll = random.NextDouble();
                var type = partitioned && roll < 0.3 ? OpType.Fail : partitioned && roll < 0.4 ? OpType.Info : roll < 0.01 ? OpType.Info : OpType.Ok;
                var f = random.Next(2) == 0 ? "read" : "write";
                ops.Add((t, t + latency, process, f, random.Next(8), f == "write" ? ++writes : 0, type));
                t += latency + (random.Next(5, 60) * Ms);
                if (type == OpType.Info) process += Workers;   // an info op ends its process (DESIGN §2)
            }
        }

        // Apply the effects in the order of the ops' midpoints; reads see the state there.
        var results = new Dictionary<int, Value>();
        foreach (var (op, i) in ops.Select((o, i) => (o, i)).OrderBy(p => (p.o.Invoke + p.o.Complete) / 2))
        {
            if (op.F == "write" && op.Type != OpType.Fail) state[op.Key] = op.Written;
            results[i] = op.F == "write" ? Value.Of(op.Written) : state.TryGetValue(op.Key, out var v) ? Value.Of(v) : Value.Nil;
        }
        for (var i = 0; i < ops.Count; i++)
        {
            var o = ops[i];
            var invoked = o.F == "write" ? Value.Of(o.Written) : Value.Nil;
            events.Add((o.Invoke, order++, new Op(0, o.Invoke, OpType.Invoke, o.Process, o.F, invoked, Value.Of(o.Key))));
            var completed = o.Type == OpType.Ok ? results[i] : invoked;
            events.Add((o.Complete, order++, new Op(0, o.Complete, o.Type, o.Process, o.F, completed, Value.Of(o.Key))));
        }
        if (staleRead)
        {
            // Key 0 was written many times; value -1 was never written at all.
            events.Add((30 * S, order++, new Op(0, 30 * S, OpType.Invoke, 99, "read", Value.Nil, Value.Of(0))));
            events.Add((30 * S + Ms, order++, new Op(0, 30 * S + Ms, OpType.Ok, 99, "read", Value.Of(-1), Value.Of(0))));
        }
        var sorted = events.OrderBy(e => e.Time).ThenBy(e => e.Order).Select((e, i) => e.Op with { Index = i });
        return new HistoryList(sorted);
    }
}
