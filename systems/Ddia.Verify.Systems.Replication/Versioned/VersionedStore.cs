using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Systems.Replication.Versioned;

/// <summary>One record of the store's file: a key's siblings after a change, and, for a replicated write, which node's
/// write it was and its sequence number there (multi-leader's replication positions).</summary>
public sealed record StoreRecord(string Key, Siblings Siblings, int? Origin = null, long? Seq = null);

/// <summary>
/// A node's durable versioned key-value state: <c>DIR/store.log</c>, one JSON line per change
/// (<c>{"k":key,"s":[siblings],"o":origin,"q":seq}</c>), appended and fsynced before any change returns, so whatever a
/// node acknowledged survives kill -9. On open the file is replayed (the last record of a key wins; a line torn by a
/// crash is cut off: it was never acknowledged) and, when asked, compacted to one record per key.
/// Thread-safe: one lock serializes changes, reads see the latest state.
/// </summary>
public sealed class VersionedStore : IDisposable
{
    public const string FileName = "store.log";

    private readonly Lock gate = new();
    private readonly Dictionary<string, Siblings> data = new(StringComparer.Ordinal);
    private readonly FileStream file;
    private int count;

    private VersionedStore(ConflictPolicy policy, FileStream file)
    {
        Policy = policy;
        this.file = file;
    }

    public ConflictPolicy Policy { get; }

    /// <summary>Opens (creating) the store in <paramref name="directory"/>, calling <paramref name="replay"/> with every
    /// recovered record in file order. <paramref name="compact"/> rewrites the file with one record per key (without
    /// origins: only for callers that do not need them) when it holds many superseded records.</summary>
    public static VersionedStore Open(string directory, ConflictPolicy policy, Action<StoreRecord>? replay = null, bool compact = false)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var records = new List<StoreRecord>();
        long goodLength = 0;
        if (File.Exists(path))
        {
            var bytes = File.ReadAllBytes(path);
            var start = 0;
            for (var nl = Array.IndexOf(bytes, (byte)'\n'); nl >= 0; nl = Array.IndexOf(bytes, (byte)'\n', start))
            {
                if (Decode(policy, bytes.AsSpan(start, nl - start)) is { } r) records.Add(r);
                start = nl + 1;
            }
            goodLength = start;   // anything after the last newline is a torn write
        }
        var latest = new Dictionary<string, Siblings>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            latest[r.Key] = r.Siblings;
            replay?.Invoke(r);
        }
        if (compact && records.Count > 2 * latest.Count + 1000)
        {
            var temp = path + ".tmp";
            using (var t = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                foreach (var (key, siblings) in latest) t.Write(Encode(new StoreRecord(key, siblings)));
                t.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            goodLength = new FileInfo(path).Length;
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        stream.SetLength(goodLength);
        stream.Seek(0, SeekOrigin.End);
        stream.Flush(flushToDisk: true);
        var store = new VersionedStore(policy, stream);
        foreach (var (key, siblings) in latest) store.data[key] = siblings;
        store.count = store.data.Count;
        return store;
    }

    public Siblings Get(string key)
    {
        lock (gate) return data.GetValueOrDefault(key) ?? Siblings.Empty;
    }

    /// <summary>How many keys hold values; lock-free, so that status pages never wait behind an fsync.</summary>
    public int Count => Volatile.Read(ref count);

    /// <summary>Replaces the key's siblings with <paramref name="change"/>'s result (run under the store's lock, so a
    /// read-modify-write is atomic), durably. <paramref name="force"/> writes the record even when nothing changed
    /// (to make its origin and sequence number durable).</summary>
    public Siblings Update(string key, Func<Siblings, Siblings> change, int? origin = null, long? seq = null, bool force = false)
    {
        lock (gate)
        {
            var before = data.GetValueOrDefault(key) ?? Siblings.Empty;
            var after = change(before);
            if (!force && after.Equals(before)) return before;
            data[key] = after;
            Volatile.Write(ref count, data.Count);
            file.Write(Encode(new StoreRecord(key, after, origin, seq)));
            file.Flush(flushToDisk: true);
            return after;
        }
    }

    /// <summary>Merges every record's siblings into the key's under the conflict rule, with one fsync for all; each
    /// record is written (with its origin and sequence number) even when it changed nothing.</summary>
    public void MergeAll(IReadOnlyList<StoreRecord> incoming)
    {
        if (incoming.Count == 0) return;
        lock (gate)
        {
            foreach (var r in incoming)
            {
                var after = (data.GetValueOrDefault(r.Key) ?? Siblings.Empty).Merge(Policy, r.Siblings);
                data[r.Key] = after;
                file.Write(Encode(r with { Siblings = after }));
            }
            Volatile.Write(ref count, data.Count);
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Merges <paramref name="incoming"/> into the key's siblings, durably; returns the result.</summary>
    public Siblings Merge(string key, Siblings incoming) => Update(key, held => held.Merge(Policy, incoming));

    private static byte[] Encode(StoreRecord r)
    {
        var line = JsonSerializer.Serialize(new Line(r.Key, SiblingJson.ToDto(r.Siblings), r.Origin, r.Seq), SiblingJson.Options);
        return Encoding.UTF8.GetBytes(line + "\n");
    }

    private static StoreRecord? Decode(ConflictPolicy policy, ReadOnlySpan<byte> utf8)
    {
        try
        {
            var line = JsonSerializer.Deserialize<Line>(utf8, SiblingJson.Options);
            return line?.K is { } key && SiblingJson.FromDto(policy, line.S) is { } siblings
                ? new StoreRecord(key, siblings, line.O, line.Q)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Line(string? K, SiblingDto?[]? S, int? O, long? Q);

    public void Dispose()
    {
        lock (gate) file.Dispose();
    }
}
