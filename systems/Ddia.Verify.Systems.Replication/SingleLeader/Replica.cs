using System.Text.Json;

namespace Ddia.Verify.Systems.Replication.SingleLeader;

/// <summary>
/// A follower's answer to a batch of entries (see <see cref="Replica.AcceptEntries"/>): <paramref name="Ok"/> with
/// <paramref name="MatchIndex"/>, the index up to which its log is now the leader's; otherwise where the leader should
/// resume (<paramref name="ConflictIndex"/>) or that it needs the leader's snapshot (<paramref name="NeedSnapshot"/>).
/// </summary>
public sealed record AcceptResult(bool Ok, long MatchIndex, long ConflictIndex, bool NeedSnapshot)
{
    public static AcceptResult Matched(long matchIndex) => new(true, matchIndex, 0, false);

    public static AcceptResult ResumeAt(long index) => new(false, 0, Math.Max(index, 1), false);

    public static readonly AcceptResult Snapshot = new(false, 0, 0, true);
}

/// <summary>
/// One node's durable copy of the single-leader system (DDIA §5.1): the replication log (<see cref="ReplicationLog"/>),
/// the latest snapshot (<c>DIR/snapshot.json</c>), the node's current epoch (<c>DIR/epoch.json</c>), and the key-value
/// state they give (snapshot + log, always applied up to the last entry). The leader appends with
/// <see cref="Append"/>; a follower takes the leader's batches with <see cref="AcceptEntries"/> and, when it is too far
/// behind, its snapshot with <see cref="InstallSnapshot"/>. Every change is fsynced before the method returns.
/// Once the log holds <c>snapshotEvery</c> entries after the snapshot, the older half of them is compacted into a new one.
/// Not thread-safe: the node serializes calls.
/// </summary>
public sealed class Replica : IDisposable
{
    public const string SnapshotFileName = "snapshot.json";
    public const string EpochFileName = "epoch.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string directory;
    private readonly int snapshotEvery;
    private readonly ReplicationLog log;

    private Replica(string directory, int snapshotEvery, ReplicationLog log, Snapshot snapshot, long epoch)
    {
        this.directory = directory;
        this.snapshotEvery = snapshotEvery;
        this.log = log;
        Snapshot = snapshot;
        Epoch = epoch;
        State = Rebuild();
    }

    /// <summary>The latest snapshot (<see cref="Snapshot.Empty"/> before the first compaction).</summary>
    public Snapshot Snapshot { get; private set; }

    public KeyValueState State { get; private set; }

    /// <summary>The highest epoch this node has seen (0 on a fresh node); only grows.</summary>
    public long Epoch { get; private set; }

    public long LastIndex => log.LastIndex;

    public long LastEpoch => log.Entries.Count > 0 ? log.Entries[^1].Epoch : Snapshot.LastEpoch;

    public long SnapshotIndex => Snapshot.LastIndex;

    /// <summary>Recovers the node's data from <paramref name="directory"/> (created when missing).</summary>
    public static Replica Open(string directory, int snapshotEvery = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEvery, 1);
        Directory.CreateDirectory(directory);
        var snapshotPath = Path.Combine(directory, SnapshotFileName);
        var snapshot = File.Exists(snapshotPath)
            ? JsonSerializer.Deserialize<Snapshot>(File.ReadAllBytes(snapshotPath), Json) ?? throw new InvalidDataException($"{snapshotPath}: empty")
            : Snapshot.Empty;
        var epochPath = Path.Combine(directory, EpochFileName);
        var epoch = File.Exists(epochPath) ? JsonSerializer.Deserialize<EpochRecord>(File.ReadAllBytes(epochPath), Json)?.Epoch ?? 0 : 0;
        var log = ReplicationLog.Open(directory, snapshot.LastIndex);
        return new Replica(directory, snapshotEvery, log, snapshot, epoch);
    }

    private sealed record EpochRecord(long Epoch);

    /// <summary>The epoch of the entry at <paramref name="index"/>: 0 for index 0, the snapshot's epoch at its index,
    /// null when compacted away or beyond the log.</summary>
    public long? EpochAt(long index) =>
        index == 0 ? 0 : index == SnapshotIndex ? Snapshot.LastEpoch : log.At(index)?.Epoch;

    /// <summary>Up to <paramref name="max"/> entries from <paramref name="index"/> on (none when compacted or beyond the log).</summary>
    public IReadOnlyList<LogEntry> EntriesFrom(long index, int max)
    {
        if (index <= SnapshotIndex || index > LastIndex) return [];
        var start = (int)(index - SnapshotIndex - 1);
        return [.. log.Entries.Skip(start).Take(max)];
    }

    /// <summary>Durably raises the epoch (never lowers it).</summary>
    public void RaiseEpoch(long epoch)
    {
        if (epoch <= Epoch) return;
        WriteAtomically(EpochFileName, JsonSerializer.SerializeToUtf8Bytes(new EpochRecord(epoch), Json));
        Epoch = epoch;
    }

    /// <summary>The leader's write: the next entry, in the current epoch, durable and applied when this returns. A null
    /// key appends a no-op.</summary>
    public LogEntry Append(string? key, string? value)
    {
        var entry = new LogEntry(LastIndex + 1, Epoch, key, value);
        log.Append([entry]);
        State.Apply(entry);
        MaybeCompact();
        return entry;
    }

    /// <summary>
    /// A follower takes a batch from the leader: <paramref name="entries"/> follow the leader's entry at
    /// <paramref name="prevIndex"/> of epoch <paramref name="prevEpoch"/> (an empty batch is a heartbeat). If this log
    /// holds the same entry there, it is the leader's log up to it (log matching: leaders' epochs are unique and a
    /// leader never rewrites its own entries), so the batch is appended: entries already held with the same epoch are
    /// skipped, and the first one held with a different epoch (an old leader's entry the new leader never had) is
    /// truncated with everything after it before the rest is appended and the state rebuilt. Otherwise nothing changes
    /// and the answer says where the leader should resume: after this log's end, or at the first entry of the epoch
    /// that conflicts (so the leader skips back one epoch per round trip, not one entry).
    /// </summary>
    public AcceptResult AcceptEntries(long prevIndex, long prevEpoch, IReadOnlyList<LogEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Index != prevIndex + 1 + i) throw new ArgumentException("entries must follow prevIndex without gaps", nameof(entries));
        }
        if (prevIndex < SnapshotIndex)
        {
            // Our entries up to the snapshot are compacted: compare the batch's entry at the snapshot's index instead.
            var atSnapshot = entries.FirstOrDefault(e => e.Index == SnapshotIndex);
            if (atSnapshot is null) return AcceptResult.ResumeAt(SnapshotIndex);
            if (atSnapshot.Epoch != Snapshot.LastEpoch) return AcceptResult.Snapshot;
            entries = [.. entries.Where(e => e.Index > SnapshotIndex)];
            prevIndex = SnapshotIndex;
            prevEpoch = Snapshot.LastEpoch;
        }
        if (prevIndex > LastIndex) return AcceptResult.ResumeAt(LastIndex + 1);
        if (EpochAt(prevIndex) != prevEpoch)
            return prevIndex == SnapshotIndex ? AcceptResult.Snapshot : AcceptResult.ResumeAt(FirstOfEpochRun(prevIndex));

        var append = new List<LogEntry>();
        var truncated = false;
        foreach (var e in entries)
        {
            if (append.Count == 0 && e.Index <= LastIndex)
            {
                if (log.At(e.Index)!.Epoch == e.Epoch) continue;
                log.TruncateFrom(e.Index);
                truncated = true;
            }
            append.Add(e);
        }
        log.Append(append);
        if (truncated)
        {
            State = Rebuild();
        }
        else
        {
            foreach (var e in append) State.Apply(e);
        }
        MaybeCompact();
        return AcceptResult.Matched(prevIndex + entries.Count);
    }

    /// <summary>The first index of the run of same-epoch entries that ends at <paramref name="index"/> (after the snapshot).</summary>
    private long FirstOfEpochRun(long index)
    {
        var epoch = log.At(index)!.Epoch;
        var first = index;
        while (first - 1 > SnapshotIndex && log.At(first - 1)!.Epoch == epoch) first--;
        return first;
    }

    /// <summary>A follower replaces its whole copy by the leader's snapshot (its log empties; the leader sends the entries
    /// after the snapshot next). The log is emptied first: a crash between the two steps leaves an older, consistent copy.</summary>
    public void InstallSnapshot(Snapshot snapshot)
    {
        log.Reset(Snapshot.LastIndex);
        WriteSnapshot(snapshot);
        log.Reset(snapshot.LastIndex);
        State = KeyValueState.From(snapshot);
    }

    private void MaybeCompact()
    {
        // Keep the newer half of the entries: followers a little behind still get entries, not the whole state.
        if (LastIndex - SnapshotIndex < snapshotEvery) return;
        var through = LastIndex - snapshotEvery / 2;
        if (through <= SnapshotIndex) return;
        var state = KeyValueState.From(Snapshot);
        foreach (var e in log.Entries)
        {
            if (e.Index > through) break;
            state.Apply(e);
        }
        WriteSnapshot(state.ToSnapshot(log.At(through)!.Epoch));
        log.CompactThrough(through);
    }

    private void WriteSnapshot(Snapshot snapshot)
    {
        WriteAtomically(SnapshotFileName, JsonSerializer.SerializeToUtf8Bytes(snapshot, Json));
        Snapshot = snapshot;
    }

    private KeyValueState Rebuild()
    {
        var state = KeyValueState.From(Snapshot);
        foreach (var e in log.Entries) state.Apply(e);
        return state;
    }

    /// <summary>Written aside, fsynced, renamed over the old file: a crash leaves the old or the new file, never half of one.</summary>
    private void WriteAtomically(string name, byte[] bytes)
    {
        var path = Path.Combine(directory, name);
        var temp = path + ".tmp";
        using (var t = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            t.Write(bytes);
            t.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose() => log.Dispose();
}
