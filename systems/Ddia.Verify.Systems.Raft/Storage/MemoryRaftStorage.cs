namespace Ddia.Verify.Systems.Raft.Storage;

/// <summary>
/// <see cref="IRaftStorage"/> in memory, for tests and simulations: it survives the <see cref="RaftNode"/>
/// (a "crash" drops the node and keeps this), not the process.
/// </summary>
public sealed class MemoryRaftStorage : IRaftStorage
{
    private readonly List<LogEntry> log = [];
    private HardState state;

    /// <summary>The stored log, as the next <see cref="Load"/> would return it.</summary>
    public IReadOnlyList<LogEntry> Log => log;

    public HardState State => state;

    public PersistentState Load() => new(state, [.. log]);

    public void Persist(StorageWrite write)
    {
        if (write.State is { } s) state = s;
        if (write.LogFrom is not { } from) return;
        if (from < 1 || from > log.Count + 1)
            throw new ArgumentException($"a write from index {from} would leave a gap after index {log.Count}", nameof(write));
        log.RemoveRange((int)(from - 1), log.Count - (int)(from - 1));
        foreach (var e in write.Entries)
        {
            if (e.Index != log.Count + 1) throw new ArgumentException($"entry {e.Index} does not follow index {log.Count}", nameof(write));
            log.Add(e);
        }
    }
}
