using Ddia.Verify.History;

namespace Ddia.Verify.Generators.Tests;

/// <summary>Shorthand for running generators in virtual time and reading what they did.</summary>
internal static class Sim
{
    public const long Ms = 1_000_000;
    public const long Second = 1_000_000_000;

    public static OpTemplate Do(string f, long? value = null) => new(f, value is { } v ? Value.Of(v) : null);

    public static List<Op> Run(IGenerator gen, int concurrency = 5, ulong seed = 1, Completer? complete = null) =>
        new Simulator(concurrency, seed) { Complete = complete ?? Completers.Fixed(TimeSpan.FromMilliseconds(1)) }.Run(gen);

    /// <summary>
    /// Runs <paramref name="gen"/> on the client threads only. A generator that is not routed may give
    /// ops to any free thread, the nemesis's too (as in Jepsen), which most tests do not want.
    /// </summary>
    public static List<Op> RunClients(IGenerator gen, int concurrency = 5, ulong seed = 1, Completer? complete = null) =>
        Run(Gen.Clients(gen), concurrency, seed, complete);

    public static List<Op> Invocations(this IEnumerable<Op> history) => [.. history.Where(o => o.IsInvoke)];

    public static List<Op> Invocations(this IEnumerable<Op> history, string f) => [.. history.Where(o => o.IsInvoke && o.F == f)];

    public static string Fs(this IEnumerable<Op> history) => string.Join(" ", history.Where(o => o.IsInvoke).Select(o => o.F));

    /// <summary>Every completion at the index of its invocation (pairing as DESIGN.md §2 defines it).</summary>
    public static Dictionary<int, Op> CompletionsByInvocation(IReadOnlyList<Op> history)
    {
        var h = new Ddia.Verify.History.History(history);
        Assert.Empty(h.Problems);
        var result = new Dictionary<int, Op>();
        for (var i = 0; i < h.Count; i++)
        {
            if (h[i].IsInvoke && h.CompletionOf(i) is var c and >= 0) result[i] = h[c];
        }
        return result;
    }

    /// <summary>Well-formed: dense indexes, times never go back, every invocation completes once, no process runs two ops at once.</summary>
    public static void AssertWellFormed(IReadOnlyList<Op> history)
    {
        var open = new HashSet<int>();
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            Assert.Equal(i, op.Index);
            if (i > 0) Assert.True(op.Time >= history[i - 1].Time, $"time goes back at {op}");
            if (op.IsInvoke) Assert.True(open.Add(op.Process), $"process {op.Process} invokes twice at once: {op}");
            else Assert.True(open.Remove(op.Process), $"completion without invocation: {op}");
        }
        Assert.Empty(open);
    }

    /// <summary>A completer from a function of the invocation: client ops ok, nemesis ops info.</summary>
    public static Completer Latency(Func<Op, long> nanos) =>
        (op, _) => (op with { Type = op.Process == Op.NemesisProcess ? OpType.Info : OpType.Ok }, nanos(op));
}
