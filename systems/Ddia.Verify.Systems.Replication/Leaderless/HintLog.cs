using System.Text;
using System.Text.Json;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Systems.Replication.Leaderless;

/// <summary>A write this node holds for a home replica that did not answer (a sloppy quorum's stand-in).</summary>
public sealed record Hint(long Id, int Home, string Key, Siblings Siblings);

/// <summary>
/// The hints a node holds, <c>DIR/hints.log</c>: JSON lines <c>{"id","home","k","s"}</c> (fsynced before the hinted
/// write is acknowledged) and <c>{"done":id}</c> once the home replica took it (not fsynced: losing one only hands the
/// hint off again, and applying a write twice changes nothing). Hinted values live here only, not in the node's own
/// store: the holder is not a replica of the key. Thread-safe.
/// </summary>
public sealed class HintLog : IDisposable
{
    public const string FileName = "hints.log";

    private readonly Lock gate = new();
    private readonly SortedDictionary<long, Hint> pending = [];
    private readonly FileStream file;
    private long nextId;
    private int pendingCount;

    private HintLog(FileStream file)
    {
        this.file = file;
    }

    public static HintLog Open(string directory, ConflictPolicy policy)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var hints = new SortedDictionary<long, Hint>();
        long maxId = 0;
        if (File.Exists(path))
        {
            foreach (var text in File.ReadLines(path))
            {
                Line? line;
                try
                {
                    line = JsonSerializer.Deserialize<Line>(text, SiblingJson.Options);
                }
                catch (JsonException)
                {
                    continue;   // torn by a crash: never acknowledged
                }
                if (line?.Done is { } done) hints.Remove(done);
                else if (line is { Id: { } id, Home: { } home, K: { } key } && SiblingJson.FromDto(policy, line.S) is { } s)
                {
                    hints[id] = new Hint(id, home, key, s);
                    maxId = Math.Max(maxId, id);
                }
            }
        }
        // Rewritten with the pending hints only, so the file does not grow forever.
        var temp = path + ".tmp";
        using (var t = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var h in hints.Values) t.Write(Encode(new Line(h.Id, h.Home, h.Key, SiblingJson.ToDto(h.Siblings), null)));
            t.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        var log = new HintLog(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { nextId = maxId + 1 };
        foreach (var h in hints.Values) log.pending[h.Id] = h;
        log.pendingCount = hints.Count;
        return log;
    }

    /// <summary>Lock-free, so that status pages never wait behind an fsync.</summary>
    public int Pending => Volatile.Read(ref pendingCount);

    public IReadOnlyList<Hint> Snapshot()
    {
        lock (gate) return [.. pending.Values];
    }

    /// <summary>Keeps a write for <paramref name="home"/>, durably.</summary>
    public Hint Add(int home, string key, Siblings siblings)
    {
        lock (gate)
        {
            var hint = new Hint(nextId++, home, key, siblings);
            file.Write(Encode(new Line(hint.Id, home, key, SiblingJson.ToDto(siblings), null)));
            file.Flush(flushToDisk: true);
            pending[hint.Id] = hint;
            Volatile.Write(ref pendingCount, pending.Count);
            return hint;
        }
    }

    /// <summary>The home replica has it: forget the hint. False when it was gone already.</summary>
    public bool Delivered(long id)
    {
        lock (gate)
        {
            if (!pending.Remove(id)) return false;
            Volatile.Write(ref pendingCount, pending.Count);
            file.Write(Encode(new Line(null, null, null, null, id)));
            file.Flush();
            return true;
        }
    }

    private static byte[] Encode(Line line) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(line, SiblingJson.Options) + "\n");

    private sealed record Line(long? Id, int? Home, string? K, SiblingDto?[]? S, long? Done);

    public void Dispose()
    {
        lock (gate) file.Dispose();
    }
}
