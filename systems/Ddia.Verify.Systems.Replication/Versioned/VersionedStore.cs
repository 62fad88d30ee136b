using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Ddia.Verify.Systems.Replication.Versioned;

/// <summary>One record of the store's file: a key's siblings after a change, and, for a replicated write, which node's
/// write it was and its sequence number there (multi-leader's replication positions).</summary>
public sealed record StoreRecord(string Key, Siblings Siblings, int? Origin = null, long? Seq = null);

/// <summary>
/// A node's durable versioned key-value state: <c>DIR/store.log</c>, one JSON line per change
/// (<c>{"k":key,"s":[siblings],"o":origin,"q":seq}</c>), appended and fsynced before any change returns, so whatever a
/// node acknowledged survives kill -9. On open the file is replayed (the last record of a key wins; a line torn by a
/// crash is cut off: it was never acknowledged) and, when asked, compacted to one record per key.
/// Thread-safe: changes go through one writer (group commit), reads see the latest durable state without waiting for it.
/// </summary>
public sealed class VersionedStore : IDisposable
{
    public const string FileName = "store.log";

    private readonly Lock gate = new();
    private readonly Dictionary<string, Siblings> data = new(StringComparer.Ordinal);
    private readonly FileStream file;
    private readonly Channel<Change> queue = Channel.CreateUnbounded<Change>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writer;
    private int count;

    /// <summary>Most changes one fsync covers.</summary>
    private const int MaxBatch = 1000;

    private VersionedStore(ConflictPolicy policy, FileStream file)
    {
        Policy = policy;
        this.file = file;
        writer = Task.Run(WriteLoop);
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

    /// <summary>
    /// Replaces the key's siblings with <paramref name="change"/>'s result, durably: the task completes once the record
    /// is fsynced, and only then do readers see the new siblings. Changes run one at a time in call order (so a
    /// read-modify-write is atomic) on the store's writer, which fsyncs a whole batch of them at once (group commit).
    /// <paramref name="force"/> writes the record even when nothing changed (to make its origin and sequence number
    /// durable).
    /// </summary>
    public Task<Siblings> UpdateAsync(string key, Func<Siblings, Siblings> change, int? origin = null, long? seq = null, bool force = false)
    {
        var change1 = new Change(key, change, origin, seq, force, new TaskCompletionSource<Siblings>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(change1)) change1.Done.SetException(new ObjectDisposedException(nameof(VersionedStore)));
        return change1.Done.Task;
    }

    /// <summary>Merges <paramref name="incoming"/> into the key's siblings, durably; returns the result.</summary>
    public Task<Siblings> MergeAsync(string key, Siblings incoming) => UpdateAsync(key, held => held.Merge(Policy, incoming));

    /// <summary>Merges every record's siblings into its key's under the conflict rule, in order; each record is written
    /// (with its origin and sequence number) even when it changed nothing.</summary>
    public Task MergeAllAsync(IReadOnlyList<StoreRecord> incoming) =>
        Task.WhenAll(incoming.Select(r => UpdateAsync(r.Key, held => held.Merge(Policy, r.Siblings), r.Origin, r.Seq, force: true)));

    private sealed record Change(string Key, Func<Siblings, Siblings> Apply, int? Origin, long? Seq, bool Force, TaskCompletionSource<Siblings> Done);

    /// <summary>The writer: takes every queued change, appends their records, fsyncs once, then publishes and
    /// acknowledges them all.</summary>
    private async Task WriteLoop()
    {
        var reader = queue.Reader;
        var staged = new Dictionary<string, Siblings>(StringComparer.Ordinal);
        var done = new List<(Change Change, Siblings After)>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            staged.Clear();
            done.Clear();
            var written = false;
            while (done.Count < MaxBatch && reader.TryRead(out var c))
            {
                var before = staged.TryGetValue(c.Key, out var s) ? s : Get(c.Key);
                Siblings after;
                try
                {
                    after = c.Apply(before);
                }
                catch (Exception e)
                {
                    c.Done.SetException(e);
                    continue;
                }
                if (c.Force || !after.Equals(before))
                {
                    staged[c.Key] = after;
                    file.Write(Encode(new StoreRecord(c.Key, after, c.Origin, c.Seq)));
                    written = true;
                }
                done.Add((c, after));
            }
            if (written)
            {
                try
                {
                    file.Flush(flushToDisk: true);
                }
                catch (IOException e)
                {
                    // After a failed fsync nobody knows what the file holds (PostgreSQL's "fsyncgate"): stop rather than
                    // acknowledge anything else.
                    Environment.FailFast("store.log fsync failed: " + e.Message, e);
                }
            }
            lock (gate)
            {
                foreach (var (key, siblings) in staged) data[key] = siblings;
                Volatile.Write(ref count, data.Count);
            }
            foreach (var (c, after) in done) c.Done.TrySetResult(after);
        }
    }

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

    /// <summary>Stops taking changes, lets the queued ones finish, closes the file.</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        writer.Wait(TimeSpan.FromSeconds(10));
        file.Dispose();
    }
}
