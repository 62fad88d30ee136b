using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Transactions;

/// <summary>Why one transaction precedes another: the data behind one edge of a cycle (STYLE.md G15).</summary>
public abstract record Why
{
    /// <summary>The second wrote <see cref="Next"/> right after the first's <see cref="Prev"/> in the key's version order.</summary>
    public sealed record WriteWrite(Value Key, Value Prev, Value Next) : Why;

    /// <summary>The second read the first's write of <see cref="Value"/>.</summary>
    public sealed record WriteRead(Value Key, Value Value) : Why;

    /// <summary>The first read the version <see cref="Read"/> (null: the initial one), which the second's <see cref="Next"/> followed.</summary>
    public sealed record ReadWrite(Value Key, Value? Read, Value Next) : Why;

    public sealed record ProcessOrder(int Process) : Why;

    /// <summary>The first completed at <see cref="Completed"/> (an op index) before the second was invoked at <see cref="Invoked"/>.</summary>
    public sealed record Realtime(long Completed, long Invoked) : Why;
}

/// <summary>One edge of a cycle: from and to are transactions; <see cref="Rel"/> is the single relation used.</summary>
public sealed record CycleStep(Txn From, Txn To, Rel Rel, Why Why);

/// <summary>Explains the data edges of one workload: list-append and rw-register say different things.</summary>
public interface IEdgeExplainer
{
    /// <summary>Why <paramref name="b"/> depends on <paramref name="a"/> through <paramref name="rel"/> (ww, wr or rw), or null if it does not.</summary>
    Why? Explain(Txn a, Txn b, Rel rel);

    /// <summary>One clause: "T2 observed T1's append of 3 to key x".</summary>
    string Render(Why why, string a, string b);
}

/// <summary>Turns cycles into Elle-style text: "Let: T1 = … Then: T1 &lt; T2, because …: a contradiction!".</summary>
public static class CycleText
{
    public static Why ExplainOrder(Txn a, Txn b, Rel rel, IEdgeExplainer data, TxnHistory history) => rel switch
    {
        Rel.Process => new Why.ProcessOrder(a.Process),
        Rel.Realtime => new Why.Realtime(history.History[a.Complete].Index, history.History[b.Invoke].Index),
        _ => data.Explain(a, b, rel) ?? throw new InvalidOperationException($"no {rel.Name()} dependency between transactions {a.Id} and {b.Id}"),
    };

    public static string Render(IReadOnlyList<CycleStep> steps, IEdgeExplainer data, TxnHistory history)
    {
        var names = new Dictionary<Txn, string>();
        foreach (var s in steps) names.TryAdd(s.From, $"T{names.Count + 1}");
        var text = new StringBuilder("Let:\n");
        foreach (var (txn, name) in names) text.Append("  ").Append(name).Append(" = ").Append(Describe(txn, history)).Append('\n');
        text.Append("Then:\n");
        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            var (a, b) = (names[s.From], names[s.To]);
            var last = i == steps.Count - 1;
            text.Append("  - ").Append(last && steps.Count > 1 ? "However, " : "").Append(a).Append(" < ").Append(b).Append(", because ")
                .Append(RenderWhy(s.Why, a, b, data)).Append(last ? ": a contradiction!" : ".").Append('\n');
        }
        return text.ToString().TrimEnd('\n');
    }

    public static string RenderWhy(Why why, string a, string b, IEdgeExplainer data) => why switch
    {
        Why.ProcessOrder p => string.Create(CultureInfo.InvariantCulture, $"process {p.Process} executed {a} before {b}"),
        Why.Realtime r => string.Create(CultureInfo.InvariantCulture, $"{a} completed (index {r.Completed}) before {b} began (index {r.Invoked})"),
        _ => data.Render(why, a, b),
    };

    /// <summary>"the transaction {index 7, …}": how findings name a transaction.</summary>
    public static string Name(Txn txn, TxnHistory history) => "the transaction " + Describe(txn, history);

    /// <summary>"{index 7, ok, process 2, [append 250 10] [r 253 [1 3 4]]}".</summary>
    public static string Describe(Txn txn, TxnHistory history)
    {
        var op = history.History[txn.Position];
        var process = txn.Process >= 0 ? string.Create(CultureInfo.InvariantCulture, $", process {txn.Process}") : "";
        return string.Create(CultureInfo.InvariantCulture, $"{{index {op.Index}, {Op.TypeName(txn.Outcome)}{process}, {Mops(txn, history)}}}");
    }

    public static string Mops(Txn txn, TxnHistory history)
    {
        var sb = new StringBuilder();
        foreach (var m in txn.Mops)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append('[').Append(m.Kind switch { MopKind.Append => "append", MopKind.Read => "r", _ => "w" }).Append(' ')
                .Append(history.KeyOf(m.Key)).Append(' ').Append(m.Arg?.ToString() ?? "nil").Append(']');
        }
        return sb.ToString();
    }

    /// <summary>History positions of a cycle's transactions, in cycle order.</summary>
    public static ImmutableArray<int> Positions(IEnumerable<CycleStep> steps) => [.. steps.Select(s => s.From.Position)];
}
