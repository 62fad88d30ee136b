using CsCheck;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing;

/// <summary>
/// CsCheck generators of histories: register histories (read, write, cas [from to], integer values)
/// that are linearizable by construction, and small arbitrary histories for every catalog model to
/// compare the checker with <see cref="BruteForce"/>. Use them with <c>Sample</c>, which prints the
/// seed of a failing case (<c>CsCheck_Seed=...</c>) so that it can be replayed; pass
/// <c>print: Ops.Format</c> to see the history in the DSL. The size CsCheck shrinks by is the number of ops.
/// </summary>
public static class Gens
{
    private const int SequentialMaxOps = 50;

    /// <summary>
    /// A sequential run of a cas-register (initially nil): up to 50 ops by 1–4 processes, each invoked
    /// and completed before the next is invoked, with the results a real register gives (a cas whose
    /// compare fails completes <c>fail</c>). Linearizable under every <see cref="SourceConventions"/>.
    /// </summary>
    public static Gen<HistoryList> SequentialRegisterHistory { get; } = new FromPcg<HistoryList>(pcg =>
    {
        var processes = 1 + Below(pcg, 4);
        var n = Below(pcg, SequentialMaxOps + 1);
        var ops = new List<Op>(2 * n);
        Value register = Value.Nil;
        for (var i = 0; i < n; i++)
        {
            var p = Below(pcg, processes);
            var roll = Below(pcg, 3);
            if (roll == 0)
            {
                Add("read", Value.Nil, OpType.Ok, register);
                continue;
            }
            if (roll == 1)
            {
                var v = Value.Of(Below(pcg, 5));
                register = v;
                Add("write", v, OpType.Ok, v);
                continue;
            }
            var from = !register.IsNil && Below(pcg, 2) == 0 ? register : Value.Of(Below(pcg, 5));
            var pair = Value.List(from, Value.Of(Below(pcg, 5)));
            var swapped = register == from;
            if (swapped) register = pair.Items[1];
            Add("cas", pair, swapped ? OpType.Ok : OpType.Fail, pair);

            void Add(string f, Value invoked, OpType outcome, Value completed)
            {
                ops.Add(new Op(ops.Count, ops.Count, OpType.Invoke, p, f, invoked));
                ops.Add(new Op(ops.Count, ops.Count, outcome, p, f, completed));
            }
        }
        return (new HistoryList(ops), (ulong)n);
    });

    /// <summary>
    /// A linearizable history of 1 to <paramref name="ops"/> ops by <paramref name="processes"/>
    /// concurrent clients over <paramref name="keys"/> registers (ops carry no key when there is one):
    /// every op takes effect at a random instant inside its interval against a real register, and
    /// reports what it saw there. A fraction <paramref name="infoRate"/> of ops end info: their effect
    /// happens at a random later moment or never, half of them leave no completion at all, and their
    /// client continues as process id + <paramref name="processes"/>. With <paramref name="uniqueWrites"/>
    /// every write and cas writes a value never written before (1, 2, 3, ...); otherwise values are 0..4.
    /// See <see cref="RegisterSimulation"/>.
    /// </summary>
    public static Gen<HistoryList> ConcurrentLinearizableRegisterHistory(int keys, int processes, int ops, double infoRate, bool uniqueWrites = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ops, 1);
        return new FromPcg<HistoryList>(pcg =>
        {
            var n = 1 + Below(pcg, ops);
            var random = new Random(unchecked((int)pcg.Next()));
            var settings = new RegisterSimulation.Settings(n, keys, processes, infoRate, uniqueWrites, OpenInfoRate: 0.5);
            return (RegisterSimulation.Run(random, settings), (ulong)n);
        });
    }

    /// <summary>
    /// Small arbitrary cas-register histories for comparing the checker with <see cref="BruteForce"/>:
    /// 1–7 ops by 1–3 processes, values 0..2, random outcomes (ok, fail, info with or without an info
    /// completion) and random read results, in a random interleaving that respects each process being
    /// sequential (a process that got info continues as id + processes). Mostly not linearizable, or
    /// only just. The same as <c>SmallRandomHistory("cas-register")</c>.
    /// </summary>
    public static Gen<HistoryList> SmallRandomRegisterHistory { get; } = SmallRandomHistory("cas-register");

    /// <summary>
    /// Small arbitrary histories (as <see cref="SmallRandomRegisterHistory"/>: 1–7 ops, 1–3 processes,
    /// random outcomes and results) for any model of <see cref="Linearizability.ModelCatalog"/>:
    /// <list type="bullet">
    /// <item>register: read, write; cas-register: and cas [from to]; values 0..2, reads may return nil.</item>
    /// <item>multi-register: txn of one or two [r k v] / [w k v] on keys x, y, values 0..1 (reads may be nil).</item>
    /// <item>kv, kv-map: get, put, append of "a" or "b" on keys x, y.</item>
    /// <item>mutex: acquire, release. set: add 0..2, read of a subset of 0..2.</item>
    /// <item>fifo-queue, unordered-queue: enqueue 0..2, dequeue of 0..2 or nil.</item>
    /// </list>
    /// An info op's completion carries no result (nil for reads and dequeues, the invoked value otherwise).
    /// </summary>
    public static Gen<HistoryList> SmallRandomHistory(string model)
    {
        Func<PCG, Planned> next = model switch
        {
            "register" => pcg => RegisterOp(pcg, allowCas: false),
            "cas-register" => pcg => RegisterOp(pcg, allowCas: true),
            "multi-register" => TxnOp,
            "kv" or "kv-map" => KvOp,
            "mutex" => pcg => Below(pcg, 2) == 0 ? new("acquire", null, Value.Nil, Value.Nil) : new("release", null, Value.Nil, Value.Nil),
            "set" => SetOp,
            "fifo-queue" or "unordered-queue" => QueueOp,
            _ => throw new ArgumentException($"no small random histories for model '{model}'", nameof(model)),
        };
        return new FromPcg<HistoryList>(pcg =>
        {
            var processes = 1 + Below(pcg, 3);
            var n = 1 + Below(pcg, 7);
            var plans = new List<Planned>[processes];
            for (var w = 0; w < processes; w++) plans[w] = [];
            for (var i = 0; i < n; i++)
            {
                var plan = next(pcg);
                var outcome = Below(pcg, 20) switch
                {
                    < 11 => OpType.Ok,
                    < 15 => OpType.Fail,
                    _ => OpType.Info,
                };
                plan = plan with { Outcome = outcome, Recorded = outcome != OpType.Info || Below(pcg, 2) == 0 };
                if (outcome == OpType.Info) plan = plan with { Completed = plan.Invoked.IsNil ? Value.Nil : plan.Invoked };   // no answer
                plans[Below(pcg, processes)].Add(plan);
            }
            return (Interleave(pcg, plans), (ulong)n);
        });
    }

    private static Planned RegisterOp(PCG pcg, bool allowCas)
    {
        switch (Below(pcg, allowCas ? 3 : 2))
        {
            case 0:
                var read = Below(pcg, 4);   // 3 stands for nil
                return new("read", null, Value.Nil, read == 3 ? Value.Nil : Value.Of(read));
            case 1:
                var v = Value.Of(Below(pcg, 3));
                return new("write", null, v, v);
            default:
                var pair = Value.List(Value.Of(Below(pcg, 3)), Value.Of(Below(pcg, 3)));
                return new("cas", null, pair, pair);
        }
    }

    private static readonly Value[] TxnKeys = [Value.Of("x"), Value.Of("y")];

    private static Planned TxnOp(PCG pcg)
    {
        var count = 1 + Below(pcg, 2);
        var invoked = new Value[count];
        var completed = new Value[count];
        for (var i = 0; i < count; i++)
        {
            var key = TxnKeys[Below(pcg, 2)];
            if (Below(pcg, 2) == 0)
            {
                var read = Below(pcg, 3);   // 2 stands for nil
                invoked[i] = Value.List(Value.Of("r"), key, Value.Nil);
                completed[i] = Value.List(Value.Of("r"), key, read == 2 ? Value.Nil : Value.Of(read));
            }
            else
            {
                invoked[i] = completed[i] = Value.List(Value.Of("w"), key, Value.Of(Below(pcg, 2)));
            }
        }
        return new("txn", null, Value.List(invoked), Value.List(completed));
    }

    private static readonly string[] KvReads = ["", "a", "b", "ab", "ba", "aa"];

    private static Planned KvOp(PCG pcg)
    {
        var key = TxnKeys[Below(pcg, 2)];
        var text = Value.Of(Below(pcg, 2) == 0 ? "a" : "b");
        return Below(pcg, 3) switch
        {
            0 => new("get", key, Value.Nil, Value.Of(KvReads[Below(pcg, KvReads.Length)])),
            1 => new("put", key, text, text),
            _ => new("append", key, text, text),
        };
    }

    private static Planned SetOp(PCG pcg)
    {
        if (Below(pcg, 5) < 3)
        {
            var e = Value.Of(Below(pcg, 3));
            return new("add", null, e, e);
        }
        var seen = Enumerable.Range(0, 3).Where(_ => Below(pcg, 2) == 0).Select(e => Value.Of(e)).ToArray();
        return new("read", null, Value.Nil, Value.List(seen));
    }

    private static Planned QueueOp(PCG pcg)
    {
        if (Below(pcg, 20) < 11)
        {
            var e = Value.Of(Below(pcg, 3));
            return new("enqueue", null, e, e);
        }
        var got = Below(pcg, 4);   // 3 stands for nil: the queue was empty
        return new("dequeue", null, Value.Nil, got == 3 ? Value.Nil : Value.Of(got));
    }

    /// <summary>One planned op of a small random history; outcome and whether its completion is written are filled in later.</summary>
    private sealed record Planned(string F, Value? Key, Value Invoked, Value Completed, OpType Outcome = OpType.Ok, bool Recorded = true);

    /// <summary>Runs each worker's planned ops in order, interleaving their events at random.</summary>
    private static HistoryList Interleave(PCG pcg, List<Planned>[] plans)
    {
        var processes = plans.Length;
        var process = Enumerable.Range(0, processes).ToArray();
        var next = new int[processes];        // next planned op of each worker
        var open = new bool[processes];       // whether that op has been invoked
        var ops = new List<Op>();
        var busy = Enumerable.Range(0, processes).Where(w => plans[w].Count > 0).ToList();
        while (busy.Count > 0)
        {
            var slot = Below(pcg, busy.Count);
            var w = busy[slot];
            var plan = plans[w][next[w]];
            if (!open[w])
            {
                ops.Add(new Op(ops.Count, ops.Count, OpType.Invoke, process[w], plan.F, plan.Invoked, plan.Key));
                open[w] = true;
                continue;
            }
            if (plan.Recorded) ops.Add(new Op(ops.Count, ops.Count, plan.Outcome, process[w], plan.F, plan.Completed, plan.Key));
            if (plan.Outcome == OpType.Info) process[w] += processes;
            open[w] = false;
            if (++next[w] == plans[w].Count) busy.RemoveAt(slot);
        }
        return new HistoryList(ops);
    }

    private static int Below(PCG pcg, int n) => (int)pcg.Next((uint)n);

    /// <summary>A generator written as a function of CsCheck's random source, returning its value and size.</summary>
    private sealed class FromPcg<T>(Func<PCG, (T Value, ulong Size)> make) : Gen<T>
    {
        public override T Generate(PCG pcg, Size? min, out Size size)
        {
            var (value, s) = make(pcg);
            size = new Size(s);
            return value;
        }
    }
}
