namespace Ddia.Verify.Systems.Replication.SingleLeader;

/// <summary>The applied key-value state: a snapshot plus the log entries after it, applied in index order. Not thread-safe.</summary>
public sealed class KeyValueState
{
    private readonly Dictionary<string, VersionedValue> values;

    private KeyValueState(Dictionary<string, VersionedValue> values, long appliedIndex)
    {
        this.values = values;
        AppliedIndex = appliedIndex;
    }

    /// <summary>The index of the last entry applied (or of the snapshot the state started from).</summary>
    public long AppliedIndex { get; private set; }

    public int Count => values.Count;

    public static KeyValueState From(Snapshot snapshot) =>
        new(new Dictionary<string, VersionedValue>(snapshot.Data, StringComparer.Ordinal), snapshot.LastIndex);

    public VersionedValue? Get(string key) => values.TryGetValue(key, out var v) ? v : null;

    /// <summary>The version a client must name to replace <paramref name="key"/>: its last write's index, 0 when absent.</summary>
    public long VersionOf(string key) => Get(key)?.Version ?? 0;

    /// <exception cref="ArgumentException">the entry is not the next one (the log applies in order, without gaps).</exception>
    public void Apply(LogEntry entry)
    {
        if (entry.Index != AppliedIndex + 1)
            throw new ArgumentException($"entry {entry.Index} applied after {AppliedIndex}", nameof(entry));
        if (!entry.IsNoOp) values[entry.Key!] = new VersionedValue(entry.Value ?? "", entry.Index);
        AppliedIndex = entry.Index;
    }

    /// <summary>A copy of the state as a snapshot at <see cref="AppliedIndex"/>.</summary>
    public Snapshot ToSnapshot(long lastEpoch) =>
        new(AppliedIndex, lastEpoch, new Dictionary<string, VersionedValue>(values, StringComparer.Ordinal));
}
