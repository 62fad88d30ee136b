using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Ddia.Verify.Systems.Txn;

/// <summary>
/// The store's durability: one append-only file, <see cref="FileName"/>. Layout (little-endian): an 12-byte header
/// (magic <c>DDIATXN1</c>, u32 format version), then one record per committed writing transaction (or per
/// prepare / abort of a two-phase-commit participant), <c>[u32 crc][u32 length][payload]</c> with the CRC-32 over
/// length and payload. Payload (format 2): u8 kind (1 commit, 2 prepare, 3 abort), i64 commit sequence (0 unless a
/// commit), the global transaction id (length-prefixed UTF-8, empty for a local transaction), i32 write count, and
/// per write the key (length-prefixed UTF-8), a has-value flag, and the full final list (i32 count, i64 elements).
/// Full values, not deltas, so replay is "last record wins" per key.
/// <para>
/// A crash mid-append leaves a torn last record (short, or failing its CRC with only zeros after it): that commit
/// never returned, so <see cref="Open"/> drops it and truncates the file. A bad record followed by good data is
/// corruption, not a crash, and is refused with <see cref="InvalidDataException"/>.
/// </para>
/// Not thread-safe: the store appends under its commit mutex.
/// </summary>
internal sealed class WriteAheadLog : IDisposable
{
    public const string FileName = "txn.wal";
    private const int HeaderLength = 12;
    private const int FrameLength = 8;
    private const int MaxPayload = 64 << 20;
    // 2 added the record kind and global id (two-phase commit); format 1 files are refused, not migrated.
    private const uint Version = 2;

    public const string CompactionFileName = "txn.wal.compacting";

    private readonly string path;
    private readonly bool fsync;
    private FileStream file;

    private WriteAheadLog(string path, FileStream file, bool fsync)
    {
        this.path = path;
        this.file = file;
        this.fsync = fsync;
    }

    /// <summary>Bytes in the file now.</summary>
    public long Length => file.Length;

    public static WriteAheadLog Open(string directory, bool fsync, Action<CommitRecord> replay, out RecoverySummary summary)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        // A compaction that crashed before its rename: the old log is still whole, the temp file is garbage.
        File.Delete(Path.Combine(directory, CompactionFileName));
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        try
        {
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            var header = Header();
            if (bytes.Length < HeaderLength)
            {
                // New file, or its creation was cut short before anything was committed.
                if (!bytes.AsSpan().SequenceEqual(header.AsSpan(0, bytes.Length))) throw Corrupt(path, 0, "not a txn log");
                file.SetLength(0);
                file.Write(header);
                file.Flush(flushToDisk: true);
                summary = new RecoverySummary(0, 0, 0);
            }
            else
            {
                if (!bytes.AsSpan(0, 8).SequenceEqual(header.AsSpan(0, 8))) throw Corrupt(path, 0, "not a txn log");
                var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
                if (version != Version)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: log format version {version}, this build reads only version {Version}; delete the data directory to start afresh"));
                var (end, count, last) = Replay(path, bytes, replay);
                var dropped = bytes.Length - end;
                if (dropped > 0)
                {
                    file.SetLength(end);
                    file.Flush(flushToDisk: true);
                }
                summary = new RecoverySummary(count, dropped, last);
            }
            file.Seek(0, SeekOrigin.End);
            return new WriteAheadLog(path, file, fsync);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Appends one commit record and (with fsync on) forces it to disk; the commit is durable when this
    /// returns.</summary>
    public void Append(CommitRecord record)
    {
        var framed = Frame(record);
        file.Write(framed);
        file.Flush(flushToDisk: fsync);
    }

    /// <summary>
    /// Replaces the log by one record holding every live key's latest value at <paramref name="state"/>'s sequence:
    /// replay is "last record wins", so that record alone rebuilds the same state. Written to a temporary file,
    /// fsynced, then renamed over the log (atomic on POSIX), so a crash leaves either the old log or the new one.
    /// (.NET cannot fsync the directory, so the rename itself may be lost in a power cut; then the old log, still
    /// complete, is what recovery finds.) The <paramref name="prepared"/> records follow it unchanged.
    /// </summary>
    public void Compact(CommitRecord state, IEnumerable<CommitRecord> prepared)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, CompactionFileName);
        using (var t = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            t.Write(Header());
            if (state.Writes.Count > 0) t.Write(Frame(state));
            // Still-prepared transactions must come back in doubt after a crash, so their records survive.
            foreach (var p in prepared) t.Write(Frame(p));
            t.Flush(flushToDisk: true);
        }
        file.Dispose();
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            // The new log, or the old one if the rename failed: either holds every commit.
            file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            file.Seek(0, SeekOrigin.End);
        }
    }

    private static byte[] Frame(CommitRecord record)
    {
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)record.Kind);
            w.Write(record.Sequence);
            w.Write(record.GlobalId ?? "");
            w.Write(record.Writes.Count);
            foreach (var (key, list) in record.Writes)
            {
                w.Write(key);
                w.Write(list is not null);
                if (list is null) continue;
                w.Write(list.Count);
                foreach (var x in list) w.Write(x);
            }
        }
        var length = (int)payload.Length;
        if (length > MaxPayload) throw new InvalidOperationException($"a commit record of {length} bytes is too large");
        var framed = new byte[FrameLength + length];
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(4), (uint)length);
        payload.GetBuffer().AsSpan(0, length).CopyTo(framed.AsSpan(FrameLength));
        BinaryPrimitives.WriteUInt32LittleEndian(framed, Crc32.Of(framed.AsSpan(4)));
        return framed;
    }

    public void Dispose() => file.Dispose();

    private static byte[] Header()
    {
        var h = new byte[HeaderLength];
        "DDIATXN1"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), Version);
        return h;
    }

    private static (long End, int Count, long Last) Replay(string path, byte[] bytes, Action<CommitRecord> replay)
    {
        var offset = HeaderLength;
        var count = 0;
        long last = 0;
        while (offset < bytes.Length)
        {
            var rest = bytes.AsSpan(offset);
            if (!rest.ContainsAnyExcept((byte)0)) break;            // zeros past the last write
            if (rest.Length < FrameLength) break;                   // torn inside the frame
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            if (length == 0 || length > MaxPayload) throw Corrupt(path, offset, $"impossible record length {length}");
            var end = FrameLength + (int)length;
            if (end > rest.Length) break;                           // torn: runs past the end of the file
            if (Crc32.Of(rest[4..end]) != crc)
            {
                if (!rest[end..].ContainsAnyExcept((byte)0)) break; // torn last record
                throw Corrupt(path, offset, "checksum mismatch before later records");
            }
            CommitRecord record;
            try
            {
                record = Decode(bytes, offset + FrameLength, (int)length);
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
            {
                throw Corrupt(path, offset, e.Message);
            }
            if (record.Kind == RecordKind.Commit)
            {
                if (record.Sequence <= last) throw Corrupt(path, offset, $"commit sequence {record.Sequence} after {last}");
                last = record.Sequence;
            }
            replay(record);
            count++;
            offset += end;
        }
        return (offset, count, last);
    }

    private static CommitRecord Decode(byte[] bytes, int start, int length)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, start, length, writable: false), Encoding.UTF8);
        var kind = (RecordKind)r.ReadByte();
        if (kind is not (RecordKind.Commit or RecordKind.Prepare or RecordKind.Abort)) throw new InvalidDataException($"unknown record kind {(byte)kind}");
        var sequence = r.ReadInt64();
        var globalId = r.ReadString();
        if (kind != RecordKind.Commit && globalId.Length == 0) throw new InvalidDataException($"a {kind} record without a global id");
        var n = r.ReadInt32();
        if (n < 0) throw new InvalidDataException($"negative write count {n}");
        var writes = new List<KeyValuePair<string, ImmutableList<long>?>>(n);
        for (var i = 0; i < n; i++)
        {
            var key = r.ReadString();
            ImmutableList<long>? list = null;
            if (r.ReadBoolean())
            {
                var m = r.ReadInt32();
                if (m < 0 || m > length / 8) throw new InvalidDataException($"impossible list length {m}");
                var b = ImmutableList.CreateBuilder<long>();
                for (var j = 0; j < m; j++) b.Add(r.ReadInt64());
                list = b.ToImmutable();
            }
            writes.Add(new(key, list));
        }
        if (r.BaseStream.Position != length) throw new InvalidDataException("trailing bytes in a record");
        return new CommitRecord(sequence, writes, kind, globalId.Length == 0 ? null : globalId);
    }

    private static InvalidDataException Corrupt(string path, long offset, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}: corrupt at byte {offset}: {why}"));
}
