using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Browser.Tests;

/// <summary>Histories the browser tests render, built the way a run records them.</summary>
internal static class Histories
{
    private const long Ms = 1_000_000;

    /// <summary>
    /// A list-append run of 10 s on a store that runs at snapshot isolation: every 500 ms two clients each read keys
    /// x{n} and y{n} (both empty) and append to one of them — write skew, a G2-item cycle — while a third appends to
    /// a key of its own and reads it back, serializably. A partition from 3 s to 6 s.
    /// </summary>
    public static HistoryList WriteSkew()
    {
        var events = new List<(long Time, Op Op)>();
        void Txn(int process, long start, long end, Value invoked, Value completed)
        {
            events.Add((start, new Op(0, start, OpType.Invoke, process, "txn", invoked)));
            events.Add((end, new Op(0, end, OpType.Ok, process, "txn", completed)));
        }
        void Nemesis(long at, string f, Value value)
        {
            events.Add((at, new Op(0, at, OpType.Invoke, Op.NemesisProcess, f, Value.Nil)));
            events.Add((at + Ms, new Op(0, at + Ms, OpType.Info, Op.NemesisProcess, f, value)));
        }
        static Value Mop(string kind, string key, Value value) => Value.List(Value.Keyword(kind), Value.Of(key), value);
        static Value Read(string key, params long[] items) => Mop("r", key, Value.List(items.Select(Value.Of).ToArray()));

        for (var n = 0; n < 20; n++)
        {
            var t = n * 500 * Ms;
            var (x, y) = ($"x{n}", $"y{n}");
            Txn(0, t, t + (40 * Ms),
                Value.List(Mop("r", x, Value.Nil), Mop("r", y, Value.Nil), Mop("append", x, Value.Of(1))),
                Value.List(Read(x), Read(y), Mop("append", x, Value.Of(1))));
            Txn(1, t + (5 * Ms), t + (45 * Ms),
                Value.List(Mop("r", x, Value.Nil), Mop("r", y, Value.Nil), Mop("append", y, Value.Of(2))),
                Value.List(Read(x), Read(y), Mop("append", y, Value.Of(2))));
            var z = $"z{n}";
            Txn(2, t + (100 * Ms), t + (120 * Ms),
                Value.List(Mop("append", z, Value.Of(3)), Mop("r", z, Value.Nil)),
                Value.List(Mop("append", z, Value.Of(3)), Read(z, 3)));
            Txn(2, t + (200 * Ms), t + (230 * Ms), Value.List(Mop("r", x, Value.Nil), Mop("r", y, Value.Nil)), Value.List(Read(x, 1), Read(y, 2)));
        }
        Nemesis(3000 * Ms, "start-partition", Value.Map([new(Value.Keyword("grudge"), Value.Map([new(Value.Of("n1"), Value.List(Value.Of("n2"), Value.Of("n3")))]))]));
        Nemesis(6000 * Ms, "stop-partition", Value.Nil);
        return new HistoryList(events.OrderBy(e => e.Time).Select((e, i) => e.Op with { Index = i }));
    }
}
