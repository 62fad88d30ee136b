namespace Ddia.Verify.Checkers.Testing;

/// <summary>
/// How the history DSLs (<see cref="Ops"/>, <see cref="Transactions.Txns"/>) turn entries with intervals
/// into one history order: by time, an invocation before a completion at the same time (intervals are
/// closed, so ops that touch overlap), then in the order the entries are written. An entry without an
/// end never completes.
/// </summary>
internal static class EventOrder
{
    /// <summary>The events, ordered: the entry's number, and whether the event is its completion.</summary>
    public static (long Time, bool Completion, int Entry)[] Of(IReadOnlyList<(long Start, long? End)> intervals)
    {
        var events = new List<(long Time, int Completion, int Entry)>(intervals.Count * 2);
        for (var i = 0; i < intervals.Count; i++)
        {
            events.Add((intervals[i].Start, 0, i));
            if (intervals[i].End is { } end) events.Add((end, 1, i));
        }
        events.Sort();   // tuples compare by time, then invocation first, then entry order
        return [.. events.Select(e => (e.Time, e.Completion == 1, e.Entry))];
    }
}
