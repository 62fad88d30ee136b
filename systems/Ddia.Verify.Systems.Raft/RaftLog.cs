namespace Ddia.Verify.Systems.Raft;

/// <summary>
/// The node's working copy of its log (there is no compaction: entry i is at position i - 1), and the lowest
/// index changed since the changes were last taken for persisting.
/// </summary>
internal sealed class RaftLog
{
    private readonly List<LogEntry> entries;
    private long changedFrom = long.MaxValue;

    public RaftLog(IReadOnlyList<LogEntry> restored)
    {
        entries = new List<LogEntry>(restored.Count);
        foreach (var e in restored)
        {
            if (e.Index != entries.Count + 1)
                throw new ArgumentException($"the stored log has entry {e.Index} after index {entries.Count}", nameof(restored));
            if (e.Term < LastTerm || e.Term <= 0)
                throw new ArgumentException($"the stored log has term {e.Term} at index {e.Index} after term {LastTerm}", nameof(restored));
            entries.Add(e);
        }
    }

    public long LastIndex => entries.Count;

    public long LastTerm => TermAt(LastIndex);

    public IReadOnlyList<LogEntry> Entries => entries;

    public bool HasChanges => changedFrom != long.MaxValue;

    /// <summary>The entry at <paramref name="index"/>, 1 ≤ index ≤ <see cref="LastIndex"/>.</summary>
    public LogEntry this[long index] => entries[Position(index)];

    /// <summary>The term at <paramref name="index"/>, 0 ≤ index ≤ <see cref="LastIndex"/>; 0 for index 0.</summary>
    public long TermAt(long index) => index == 0 ? 0 : entries[Position(index)].Term;

    /// <summary>Raft §5.4.1: a candidate's log is at least as up-to-date as ours.</summary>
    public bool IsUpToDate(long lastIndex, long lastTerm) => lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    public void Append(LogEntry entry)
    {
        if (entry.Index != LastIndex + 1) throw new InvalidOperationException($"entry {entry.Index} does not follow index {LastIndex}");
        entries.Add(entry);
        changedFrom = Math.Min(changedFrom, entry.Index);
    }

    /// <summary>Removes the entries at <paramref name="index"/> and after.</summary>
    public void TruncateFrom(long index)
    {
        var at = Position(index);
        entries.RemoveRange(at, entries.Count - at);
        changedFrom = Math.Min(changedFrom, index);
    }

    /// <summary>A copy of the entries from <paramref name="from"/> through <paramref name="to"/> (empty when from &gt; to).</summary>
    public IReadOnlyList<LogEntry> Slice(long from, long to) =>
        from > to ? [] : entries.GetRange(Position(from), checked((int)(to - from + 1)));

    /// <summary>The first index holding the same term as <paramref name="index"/>.</summary>
    public long FirstIndexOfTermAt(long index)
    {
        var term = TermAt(index);
        while (index > 1 && TermAt(index - 1) == term) index--;
        return index;
    }

    /// <summary>The last index at or before <paramref name="atOrBefore"/> holding <paramref name="term"/>, or 0.</summary>
    public long LastIndexOfTerm(long term, long atOrBefore)
    {
        for (var i = Math.Min(atOrBefore, LastIndex); i > 0; i--)
        {
            var t = TermAt(i);
            if (t == term) return i;
            if (t < term) return 0;
        }
        return 0;
    }

    /// <summary>The lowest index changed since the last call (null: none), and the entries from there on.</summary>
    public (long? From, IReadOnlyList<LogEntry> Entries) TakeChanges()
    {
        if (changedFrom == long.MaxValue) return (null, []);
        var from = changedFrom;
        changedFrom = long.MaxValue;
        return (from, Slice(from, LastIndex));
    }

    private int Position(long index)
    {
        if (index < 1 || index > entries.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the log holds indexes 1 to {entries.Count}");
        return (int)(index - 1);
    }
}
