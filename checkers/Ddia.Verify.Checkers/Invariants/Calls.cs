using System.Globalization;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Invariants;

/// <summary>
/// One client op of a history: where it was invoked and completed (history positions; -1 if it never
/// completed, which counts as info) and what it carried.
/// </summary>
internal readonly record struct Call(int Invoke, int Complete, OpType Outcome, Op Invocation, Op? Completion)
{
    /// <summary>The completion's value (the result of an ok op), or nil.</summary>
    public Value Result => Completion?.Value ?? Value.Nil;

    /// <summary>The position after which the op is over: never, for an op without a completion.</summary>
    public int End => Complete < 0 ? int.MaxValue : Complete;

    /// <summary>Real-time overlap: neither completed before the other was invoked.</summary>
    public bool ConcurrentWith(in Call other) => Invoke < other.End && other.Invoke < End;

    public string Describe()
    {
        var completed = Complete < 0 ? "never completed" : $"{Op.TypeName(Outcome)} at {Calls.Where(Complete, Completion!.Value)}";
        var value = Outcome == OpType.Ok && Completion is { } c && c.Value != Invocation.Value ? $" -> {c.Value}" : "";
        return $"{Invocation.F} {Invocation.Value}{value} by process {Invocation.Process.ToString(CultureInfo.InvariantCulture)} " +
               $"(invoked at {Calls.Where(Invoke, Invocation)}, {completed})";
    }
}

internal static class Calls
{
    /// <summary>
    /// The client ops of a history in invocation order, nemesis ops left out; or the reason the
    /// history cannot be read as invariant checkers need (broken pairing, ops on independent keys).
    /// </summary>
    public static string? Collect(HistoryList history, List<Call> calls, CancellationToken cancellation)
    {
        if (history.Problems.Count > 0)
        {
            var p = history.Problems[0];
            return $"history position {p.Position}: {p.Message}";
        }
        var ops = history.AsSpan();
        for (var i = 0; i < ops.Length; i++)
        {
            if ((i & 0xfff) == 0) cancellation.ThrowIfCancellationRequested();
            ref readonly var op = ref ops[i];
            if (!op.IsClient || !op.IsInvoke) continue;
            if (op.Key is not null)
                return $"op at {Where(i, op)} is on key {op.Key}: invariant checkers read one object; split the history by key first";
            var c = history.CompletionOf(i);
            calls.Add(new Call(i, c, history.OutcomeOf(i), op, c < 0 ? null : ops[c]));
        }
        return null;
    }

    /// <summary>"position 7" or, where the op's own index differs, "position 7 (index 12)".</summary>
    public static string Where(int position, in Op op) =>
        op.Index == position
            ? $"position {position.ToString(CultureInfo.InvariantCulture)}"
            : $"position {position.ToString(CultureInfo.InvariantCulture)} (index {op.Index.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>The verdict of an invariant checker: anomalies make it invalid; unreadable ops, or nothing to check, unknown.</summary>
    public static Validity Verdict(int anomalies, IReadOnlyList<string> problems, bool decided) =>
        anomalies > 0 ? Validity.Invalid : problems.Count > 0 || !decided ? Validity.Unknown : Validity.Valid;

    /// <summary>The Error text of a result: the first problems, and how many there were.</summary>
    public static string? Error(IReadOnlyList<string> problems, string? undecided)
    {
        var parts = new List<string>();
        if (undecided is not null) parts.Add(undecided);
        parts.AddRange(problems.Take(5));
        if (problems.Count > 5) parts.Add($"and {(problems.Count - 5).ToString(CultureInfo.InvariantCulture)} more unreadable ops");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    public static string Count(int n, string noun) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? noun : noun + "s");

    /// <summary>Items joined with commas, at most <paramref name="cap"/> of them, then how many were left out.</summary>
    public static string Join<T>(IReadOnlyCollection<T> items, int cap = 10)
    {
        var text = string.Join(", ", items.Take(cap));
        return items.Count > cap ? $"{text} and {(items.Count - cap).ToString(CultureInfo.InvariantCulture)} more" : text;
    }
}
