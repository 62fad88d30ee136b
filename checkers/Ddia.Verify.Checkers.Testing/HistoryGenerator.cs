using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing;

/// <summary>
/// Builds big linearizable register histories fast, from a seed and nothing else (no CsCheck), for
/// benchmarks and stress tests. The same simulation backs <see cref="Gens.ConcurrentLinearizableRegisterHistory"/>.
/// </summary>
public static class HistoryGenerator
{
    /// <summary>
    /// A linearizable history of <paramref name="ops"/> reads, writes and cas ops (values 0..4, or
    /// unique with <paramref name="uniqueWrites"/>) over <paramref name="keys"/> independent registers
    /// (ops carry no key when there is one), run by <paramref name="processes"/> concurrent clients.
    /// A fraction <paramref name="infoRate"/> of ops end <c>info</c>: each has an info completion, its
    /// effect happens at a random later moment or never, and its client continues as a new process.
    /// Deterministic for a seed; the history holds exactly 2 × <paramref name="ops"/> events, in one array.
    /// </summary>
    public static HistoryList Generate(int seed, int ops, int keys = 1, int processes = 5, double infoRate = 0.0, bool uniqueWrites = false)
    {
        var settings = new RegisterSimulation.Settings(ops, keys, processes, infoRate, uniqueWrites, OpenInfoRate: 0.0);
        return RegisterSimulation.Run(new Random(seed), settings);
    }
}

/// <summary>
/// Clients of a set of real registers, simulated one event at a time. Every op takes effect at one
/// instant strictly inside its interval (its linearization point), against the register, and returns
/// what the register said there; so the history is linearizable by construction.
/// <para>
/// Each step picks at random one of: a client's next event (invoke; take effect; complete), or a
/// pending late effect of an info op. An info op never completes ok: at its next step the client
/// times out (writing an info completion, or nothing at all with probability OpenInfoRate) and
/// continues under process id + processes, as Jepsen's workers do. Whether an info op takes effect is
/// decided at its invocation; if it does, its effect waits in a pool and fires at a random later step,
/// before or after the timeout, or is dropped when the run ends (it would happen after the history).
/// A cas whose compare fails at its linearization point completes <c>fail</c> and changes nothing.
/// </para>
/// </summary>
internal static class RegisterSimulation
{
    /// <summary>OpenInfoRate: of info ops, the fraction that leave no completion record at all.</summary>
    public sealed record Settings(int Ops, int Keys, int Processes, double InfoRate, bool UniqueWrites, double OpenInfoRate);

    private const long Nil = long.MinValue;
    private const int SmallValues = 5;

    private enum Kind : byte { Read, Write, Cas }

    private enum Phase : byte { Idle, Invoked, Applied }

    private struct Client
    {
        public int Process;
        public Phase Phase;
        public Kind Kind;
        public int Key;
        public long A, B;          // write: A; cas: from A to B
        public bool Info;
        public Value Invoked;
        public Value Result;       // completion value, set when the op takes effect
        public OpType Outcome;
    }

    private readonly record struct Effect(int Key, Kind Kind, long A, long B);

    public static HistoryList Run(Random random, Settings s)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(s.Ops);
        ArgumentOutOfRangeException.ThrowIfLessThan(s.Keys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(s.Processes, 1);

        var registers = new long[s.Keys];
        Array.Fill(registers, Nil);
        var keyValues = s.Keys == 1 ? null : Enumerable.Range(0, s.Keys).Select(k => Value.Of(k)).ToArray();
        var casPairs = new Value[SmallValues, SmallValues];
        for (var a = 0; a < SmallValues; a++)
            for (var b = 0; b < SmallValues; b++)
                casPairs[a, b] = Value.List(Value.Of(a), Value.Of(b));
        var nextUnique = 1L;

        var history = new Op[2 * s.Ops];
        var count = 0;
        var clients = new Client[s.Processes];
        var active = new List<int>(s.Processes);
        for (var w = 0; w < s.Processes; w++)
        {
            clients[w].Process = w;
            if (s.Ops > 0) active.Add(w);
        }
        var pool = new List<Effect>();
        var issued = 0;

        while (active.Count > 0)
        {
            var pick = random.Next(active.Count + pool.Count);
            if (pick >= active.Count)
            {
                var at = pick - active.Count;
                Apply(registers, pool[at]);
                pool[at] = pool[^1];
                pool.RemoveAt(pool.Count - 1);
                continue;
            }
            var w = active[pick];
            ref var c = ref clients[w];
            switch (c.Phase)
            {
                case Phase.Idle when issued < s.Ops:
                    Invoke(ref c);
                    break;
                case Phase.Idle:
                    Retire(pick);
                    break;
                case Phase.Invoked when c.Info:
                    if (random.NextDouble() >= s.OpenInfoRate)
                        Emit(new Op(count, count, OpType.Info, c.Process, Name(c.Kind), c.Kind == Kind.Read ? Value.Nil : c.Invoked, KeyValue(c.Key)));
                    c.Process += s.Processes;
                    Finish(ref c, pick);
                    break;
                case Phase.Invoked:
                    TakeEffect(ref c);
                    break;
                default:
                    Emit(new Op(count, count, c.Outcome, c.Process, Name(c.Kind), c.Result, KeyValue(c.Key)));
                    Finish(ref c, pick);
                    break;
            }
        }
        if (count < history.Length) Array.Resize(ref history, count);
        return new HistoryList(history);

        void Emit(Op op) => history[count++] = op;

        Value? KeyValue(int key) => keyValues?[key];

        void Finish(ref Client c, int activeSlot)
        {
            c.Phase = Phase.Idle;
            if (issued >= s.Ops) Retire(activeSlot);
        }

        void Retire(int activeSlot)
        {
            active[activeSlot] = active[^1];
            active.RemoveAt(active.Count - 1);
        }

        void Invoke(ref Client c)
        {
            issued++;
            c.Key = random.Next(s.Keys);
            var roll = random.Next(100);
            c.Kind = roll < 40 ? Kind.Read : roll < 75 ? Kind.Write : Kind.Cas;
            switch (c.Kind)
            {
                case Kind.Read:
                    c.Invoked = Value.Nil;
                    break;
                case Kind.Write:
                    c.A = s.UniqueWrites ? nextUnique++ : random.Next(SmallValues);
                    c.Invoked = Value.Of(c.A);
                    break;
                default:
                    // Mostly compare against what the register holds now, so that some cas ops succeed.
                    var now = registers[c.Key];
                    c.A = now != Nil && random.Next(10) < 6 ? now : random.Next(SmallValues);
                    c.B = s.UniqueWrites ? nextUnique++ : random.Next(SmallValues);
                    c.Invoked = c.A < SmallValues && c.B < SmallValues ? casPairs[c.A, c.B] : Value.List(Value.Of(c.A), Value.Of(c.B));
                    break;
            }
            c.Info = random.NextDouble() < s.InfoRate;
            c.Phase = Phase.Invoked;
            if (c.Info && c.Kind != Kind.Read && random.Next(2) == 0) pool.Add(new Effect(c.Key, c.Kind, c.A, c.B));
            Emit(new Op(count, count, OpType.Invoke, c.Process, Name(c.Kind), c.Invoked, KeyValue(c.Key)));
        }

        void TakeEffect(ref Client c)
        {
            var before = registers[c.Key];
            c.Outcome = OpType.Ok;
            c.Result = c.Invoked;
            switch (c.Kind)
            {
                case Kind.Read:
                    c.Result = before == Nil ? Value.Nil : Value.Of(before);
                    break;
                case Kind.Write:
                    registers[c.Key] = c.A;
                    break;
                default:
                    if (before == c.A) registers[c.Key] = c.B;
                    else c.Outcome = OpType.Fail;
                    break;
            }
            c.Phase = Phase.Applied;
        }
    }

    private static void Apply(long[] registers, Effect e)
    {
        if (e.Kind == Kind.Write) registers[e.Key] = e.A;
        else if (e.Kind == Kind.Cas && registers[e.Key] == e.A) registers[e.Key] = e.B;
    }

    private static string Name(Kind kind) => kind switch
    {
        Kind.Read => "read",
        Kind.Write => "write",
        _ => "cas",
    };
}
