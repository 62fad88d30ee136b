namespace Ddia.Verify.Systems.Replication.SingleLeader;

/// <summary>
/// One entry of the single-leader replication log: at <paramref name="Index"/> (1, 2, ...), written by the leader of
/// <paramref name="Epoch"/>, setting <paramref name="Key"/> to <paramref name="Value"/>. A null key is a no-op: a newly
/// elected leader appends one so that its epoch appears in the log at once, and a follower holding an old leader's
/// unreplicated entries at that index sees the epoch differ and discards them.
/// </summary>
public sealed record LogEntry(long Index, long Epoch, string? Key, string? Value)
{
    public bool IsNoOp => Key is null;
}

/// <summary>A key's value and version: the index of the log entry that last wrote it.</summary>
public readonly record struct VersionedValue(string Value, long Version);

/// <summary>
/// The key-value state as of log index <paramref name="LastIndex"/> (whose entry has <paramref name="LastEpoch"/>): what
/// a leader sends a follower whose next entries it has compacted away. Index 0 is the empty state.
/// </summary>
public sealed record Snapshot(long LastIndex, long LastEpoch, IReadOnlyDictionary<string, VersionedValue> Data)
{
    public static readonly Snapshot Empty = new(0, 0, new Dictionary<string, VersionedValue>(StringComparer.Ordinal));
}
