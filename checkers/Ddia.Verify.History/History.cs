using System.Collections;

namespace Ddia.Verify.History;

/// <summary>
/// An ordered list of ops (history order is real-time order) with invocations and completions
/// paired once, up front. Pairing follows DESIGN.md §2: a completion matches the latest open invoke
/// of its process; an invoke left open when the history ends counts as <see cref="OpType.Info"/>.
/// Problems (a completion with no invoke, a process invoking twice) are collected, not thrown, so
/// that callers decide whether they are fatal.
/// </summary>
public sealed class History : IReadOnlyList<Op>
{
    private readonly Op[] ops;
    private readonly int[] partner;   // invoke ↔ completion positions; -1 where there is none
    private readonly List<PairingProblem> problems = [];

    public History(IEnumerable<Op> ops)
    {
        this.ops = ops as Op[] ?? ops.ToArray();
        partner = new int[this.ops.Length];
        Array.Fill(partner, -1);
        Pair();
    }

    public int Count => ops.Length;
    public Op this[int position] => ops[position];
    public ReadOnlySpan<Op> AsSpan() => ops;
    public IReadOnlyList<PairingProblem> Problems => problems;

    /// <summary>Position of the completion of the invoke at <paramref name="position"/>, or -1 if it never completed.</summary>
    public int CompletionOf(int position) => ops[position].IsInvoke ? partner[position] : -1;

    /// <summary>Position of the invoke that the completion at <paramref name="position"/> answers, or -1.</summary>
    public int InvocationOf(int position) => ops[position].IsInvoke ? -1 : partner[position];

    /// <summary>The outcome of the invoke at <paramref name="position"/>: its completion's type, or Info if it never completed.</summary>
    public OpType OutcomeOf(int position)
    {
        var c = CompletionOf(position);
        return c < 0 ? OpType.Info : ops[c].Type;
    }

    public IEnumerator<Op> GetEnumerator() => ((IEnumerable<Op>)ops).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => ops.GetEnumerator();

    private void Pair()
    {
        var open = new Dictionary<int, int>();
        for (var i = 0; i < ops.Length; i++)
        {
            var op = ops[i];
            if (!op.IsClient) continue;   // nemesis notes and ops without a process are not paired
            if (op.IsInvoke)
            {
                if (open.TryGetValue(op.Process, out var prior))
                    problems.Add(new(i, $"process {op.Process} invokes again while its op at position {prior} is still open"));
                open[op.Process] = i;
                continue;
            }
            if (!open.Remove(op.Process, out var inv))
            {
                // An orphan :info is a note (Jepsen writes some); an orphan :ok or :fail is a broken history.
                if (op.Type != OpType.Info)
                    problems.Add(new(i, $"{Op.TypeName(op.Type)} completion of process {op.Process} has no open invocation"));
                continue;
            }
            if (ops[inv].F != op.F)
                problems.Add(new(i, $"completion f '{op.F}' does not match its invocation's f '{ops[inv].F}' (position {inv})"));
            partner[inv] = i;
            partner[i] = inv;
        }
    }
}

/// <summary>A pairing problem at a position of the history.</summary>
public sealed record PairingProblem(int Position, string Message);
