using System.Collections.Immutable;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Transactions;

public enum MopKind : byte { Append, Read, Write }

/// <summary>
/// One micro-op of a transaction: <c>[append k v]</c>, <c>[r k result]</c> or <c>[w k v]</c>.
/// <see cref="Key"/> is the key's number in <see cref="TxnHistory.Keys"/>; <see cref="Arg"/> is the
/// appended or written value, or what a read returned (a list for list-append, a value for registers;
/// null where the result is unknown).
/// </summary>
public readonly record struct Mop(MopKind Kind, int Key, Value? Arg);

/// <summary>
/// A transaction: an invoked op and what became of it. Ok transactions carry the micro-ops of their
/// completion (with read results); info and fail ones those of their invocation.
/// </summary>
public sealed class Txn(int id, int invoke, int complete, OpType outcome, int process, ImmutableArray<Mop> mops)
{
    /// <summary>Dense number, 0..n-1, in invocation order.</summary>
    public int Id { get; } = id;

    /// <summary>History position of the invocation.</summary>
    public int Invoke { get; } = invoke;

    /// <summary>History position of the completion, or -1 when it never completed.</summary>
    public int Complete { get; } = complete;

    public OpType Outcome { get; } = outcome;
    public int Process { get; } = process;
    public ImmutableArray<Mop> Mops { get; } = mops;

    public bool Committed => Outcome == OpType.Ok;

    /// <summary>Ok or info: it may have taken effect, so it belongs in the dependency graph.</summary>
    public bool MayHaveCommitted => Outcome != OpType.Fail;

    /// <summary>The position that names it: its completion, or its invocation when it has none.</summary>
    public int Position => Complete >= 0 ? Complete : Invoke;
}

/// <summary>
/// The transactions of a history, with keys numbered. Nemesis ops are skipped; ops that name no
/// process (some Elle fixtures) are paired in order as if one process ran them. A client op whose value
/// is not a list of micro-ops is bad input: <see cref="CheckerInputException"/> names its position.
/// </summary>
public sealed class TxnHistory
{
    private readonly Dictionary<Value, int> keyIds = [];
    private readonly List<Value> keys = [];

    public HistoryList History { get; }
    public IReadOnlyList<Txn> Txns { get; }
    public IReadOnlyList<Value> Keys => keys;

    private TxnHistory(HistoryList history, List<Txn> txns)
    {
        History = history;
        Txns = txns;
    }

    /// <summary>Extracts transactions; <paramref name="kinds"/> are the micro-op kinds the workload allows.</summary>
    public static TxnHistory From(HistoryList history, IReadOnlySet<MopKind> kinds)
    {
        var txns = new List<Txn>(history.Count / 2 + 1);
        var result = new TxnHistory(history, txns);
        var openWithoutProcess = new Queue<int>();
        var pairedWithoutProcess = new Dictionary<int, int>();
        var span = history.AsSpan();
        for (var i = 0; i < span.Length; i++)
        {
            var op = span[i];
            if (op.Process != Op.NoProcess) continue;
            if (op.IsInvoke) openWithoutProcess.Enqueue(i);
            else if (openWithoutProcess.Count > 0) pairedWithoutProcess[openWithoutProcess.Dequeue()] = i;
        }
        for (var i = 0; i < span.Length; i++)
        {
            var op = span[i];
            if (!op.IsInvoke || op.Process == Op.NemesisProcess) continue;
            int complete;
            if (op.Process == Op.NoProcess) complete = pairedWithoutProcess.GetValueOrDefault(i, -1);
            else complete = history.CompletionOf(i);
            var outcome = complete < 0 ? OpType.Info : span[complete].Type;
            var source = outcome == OpType.Ok ? complete : i;
            var mops = result.ParseMops(span[source].Value, source, kinds, outcome == OpType.Ok);
            txns.Add(new Txn(txns.Count, i, complete, outcome, op.Process, mops));
        }
        return result;
    }

    public Value KeyOf(int key) => keys[key];

    /// <summary>
    /// The invocations of the transactions <paramref name="include"/> picks, and the completions of those that
    /// committed (ok), in history order, which is real-time order. <c>Completed</c> says which of the two it is.
    /// </summary>
    public IEnumerable<(Txn Txn, bool Completed)> Events(Func<Txn, bool> include)
    {
        var at = new int[History.Count];
        Array.Fill(at, -1);
        foreach (var t in Txns)
        {
            if (!include(t)) continue;
            at[t.Invoke] = t.Id;
            if (t.Committed) at[t.Complete] = t.Id;
        }
        for (var p = 0; p < at.Length; p++)
            if (at[p] >= 0) yield return (Txns[at[p]], Txns[at[p]].Complete == p);
    }

    private ImmutableArray<Mop> ParseMops(Value value, int position, IReadOnlySet<MopKind> kinds, bool completed)
    {
        if (value.Kind != ValueKind.List)
            throw new CheckerInputException(position, "value", $"a transaction is a list of micro-ops, got {Shorten(value)}");
        var items = value.Items;
        var mops = ImmutableArray.CreateBuilder<Mop>(items.Length);
        for (var m = 0; m < items.Length; m++)
        {
            var mop = items[m];
            var parts = mop.Items;
            if (mop.Kind != ValueKind.List || parts.Length != 3)
                throw new CheckerInputException(position, $"value[{m}]", $"a micro-op is [f key value], got {Shorten(mop)}");
            var kind = parts[0].AsText switch
            {
                "append" => MopKind.Append,
                "r" or "read" => MopKind.Read,
                "w" or "write" => MopKind.Write,
                var other => throw new CheckerInputException(position, $"value[{m}]", $"unknown micro-op '{other ?? parts[0].ToString()}'"),
            };
            if (!kinds.Contains(kind))
                throw new CheckerInputException(position, $"value[{m}]", $"micro-op '{parts[0].AsText}' does not belong to this workload");
            if (!keyIds.TryGetValue(parts[1], out var key))
            {
                key = keys.Count;
                keyIds.Add(parts[1], key);
                keys.Add(parts[1]);
            }
            var arg = parts[2];
            // A read's result is only known when the transaction committed; otherwise it is whatever the client invoked with.
            if (kind == MopKind.Read && !completed) arg = null;
            mops.Add(new Mop(kind, key, arg));
        }
        return mops.MoveToImmutable();
    }

    private static string Shorten(Value value)
    {
        var text = value.ToString();
        return text.Length <= 80 ? text : text[..77] + "...";
    }
}
