using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Systems.Replication.SingleLeader;

/// <summary>
/// The replication log's file, <c>DIR/leader.log</c>: one JSON line per entry (<c>{"index","epoch","key","value"}</c>),
/// indices contiguous, starting after the snapshot's index. Every change is fsynced before it returns, so whatever a
/// node acknowledged survives kill -9. A crash mid-append leaves a torn last line (no newline, or unparseable): it was
/// never acknowledged, so <see cref="Open"/> cuts it off; a bad line followed by good ones is corruption and refused.
/// Not thread-safe: <see cref="Replica"/> owns it.
/// </summary>
public sealed class ReplicationLog : IDisposable
{
    public const string FileName = "leader.log";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string path;
    private readonly List<LogEntry> entries = [];
    private readonly List<long> offsets = [];   // file offset of each entry's line
    private FileStream file;

    private ReplicationLog(string path, FileStream file, long baseIndex)
    {
        this.path = path;
        this.file = file;
        BaseIndex = baseIndex;
    }

    /// <summary>The index just before the first entry (the snapshot's index).</summary>
    public long BaseIndex { get; private set; }

    public long LastIndex => BaseIndex + entries.Count;

    public IReadOnlyList<LogEntry> Entries => entries;

    /// <summary>Opens (creating) the log, keeping only the entries after <paramref name="baseIndex"/>: a compaction that
    /// crashed after writing its snapshot left the covered entries in the file, and they are dropped now.</summary>
    /// <exception cref="InvalidDataException">a corrupt line before the last, or indices with a gap.</exception>
    public static ReplicationLog Open(string directory, long baseIndex)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.Delete(path + ".tmp");   // a compaction that crashed before its rename: the log itself is whole
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        var log = new ReplicationLog(path, file, baseIndex);
        try
        {
            log.Recover(baseIndex);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return log;
    }

    private void Recover(long baseIndex)
    {
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        var recovered = new List<LogEntry>();
        long position = 0, validEnd = 0;
        while (position < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', (int)position);
            var entry = newline < 0 ? null : Parse(bytes.AsSpan((int)position, newline - (int)position));
            if (entry is null)
            {
                // Torn only if it is the last line (nothing but the tail after it).
                if (newline >= 0 && newline + 1 < bytes.Length)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: corrupt entry at byte {position}"));
                break;
            }
            if (recovered.Count > 0 && entry.Index != recovered[^1].Index + 1)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: entry {entry.Index} follows {recovered[^1].Index}"));
            recovered.Add(entry);
            position = newline + 1;
            validEnd = position;
        }
        var kept = recovered.Where(e => e.Index > baseIndex).ToList();
        if (kept.Count > 0 && kept[0].Index != baseIndex + 1)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: first entry {kept[0].Index} does not follow snapshot {baseIndex}"));
        if (kept.Count != recovered.Count)
        {
            Rewrite(kept);
            return;
        }
        if (validEnd < bytes.Length)
        {
            file.SetLength(validEnd);
            file.Flush(flushToDisk: true);
        }
        long offset = 0;
        foreach (var e in kept)
        {
            entries.Add(e);
            offsets.Add(offset);
            offset += Line(e).Length;
        }
        file.Seek(0, SeekOrigin.End);
    }

    private static LogEntry? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize<LogEntry>(line, Json) is { Index: > 0, Epoch: > 0 } e ? e : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Line(LogEntry entry) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");

    public LogEntry? At(long index) => index > BaseIndex && index <= LastIndex ? entries[(int)(index - BaseIndex - 1)] : null;

    /// <summary>Appends <paramref name="batch"/> (its first index must be <see cref="LastIndex"/> + 1) and fsyncs.</summary>
    public void Append(IReadOnlyList<LogEntry> batch)
    {
        if (batch.Count == 0) return;
        var bytes = new List<byte>();
        var offset = file.Length;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Index != LastIndex + 1 + i)
                throw new ArgumentException($"entry {batch[i].Index} appended after {LastIndex + i}", nameof(batch));
            offsets.Add(offset + bytes.Count);
            bytes.AddRange(Line(batch[i]));
        }
        file.Seek(0, SeekOrigin.End);
        file.Write(bytes.ToArray());
        file.Flush(flushToDisk: true);
        entries.AddRange(batch);
    }

    /// <summary>Removes the entries from <paramref name="index"/> on (an old leader's entries a new leader does not have).</summary>
    public void TruncateFrom(long index)
    {
        if (index > LastIndex) return;
        if (index <= BaseIndex) throw new ArgumentOutOfRangeException(nameof(index), index, $"entries up to {BaseIndex} are compacted");
        var keep = (int)(index - BaseIndex - 1);
        file.SetLength(offsets[keep]);
        file.Flush(flushToDisk: true);
        file.Seek(0, SeekOrigin.End);
        entries.RemoveRange(keep, entries.Count - keep);
        offsets.RemoveRange(keep, offsets.Count - keep);
    }

    /// <summary>Drops the entries up to <paramref name="index"/> (now covered by a snapshot, written before this is called).</summary>
    public void CompactThrough(long index)
    {
        if (index <= BaseIndex) return;
        var kept = entries.Where(e => e.Index > index).ToList();
        BaseIndex = Math.Min(index, LastIndex);
        Rewrite(kept);
    }

    /// <summary>Empties the log, which now continues after <paramref name="baseIndex"/> (an installed snapshot's index).</summary>
    public void Reset(long baseIndex)
    {
        BaseIndex = baseIndex;
        Rewrite([]);
    }

    /// <summary>Replaces the file by one holding <paramref name="kept"/>: written aside, fsynced, renamed over.</summary>
    private void Rewrite(List<LogEntry> kept)
    {
        var temp = path + ".tmp";
        using (var t = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var e in kept) t.Write(Line(e));
            t.Flush(flushToDisk: true);
        }
        file.Dispose();
        File.Move(temp, path, overwrite: true);
        file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        file.Seek(0, SeekOrigin.End);
        entries.Clear();
        offsets.Clear();
        if (kept.Count > 0) BaseIndex = kept[0].Index - 1;
        long offset = 0;
        foreach (var e in kept)
        {
            entries.Add(e);
            offsets.Add(offset);
            offset += Line(e).Length;
        }
    }

    public void Dispose() => file.Dispose();
}
