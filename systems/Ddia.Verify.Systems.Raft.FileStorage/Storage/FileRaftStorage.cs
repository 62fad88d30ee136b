using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft.Storage;

/// <summary>
/// <see cref="IRaftStorage"/> on disk: one write-ahead log file, <see cref="FileName"/> in the data directory, to which
/// every <see cref="Persist"/> appends its changes and which it fsyncs before it returns (DESIGN.md §4), so that a
/// node killed with -9 (or losing power) restarts from exactly what it acknowledged.
/// <para>
/// Format (all integers little-endian): a 12-byte header, the magic <c>DDIARAFT</c> and the format version (u32,
/// <see cref="FormatVersion"/>); then records, each <c>[u32 crc][u32 length][payload]</c>, where crc is the CRC-32 of
/// the length field and the payload together. A payload is one type byte and its fields:
/// <list type="bullet">
/// <item>1, hard state: i64 term, bool has-vote, [i32 vote];</item>
/// <item>2, truncation: i64 from (every entry at index ≥ from is gone);</item>
/// <item>3, entry: i64 index, i64 term, command (a tag byte and its fields; strings as .NET's
/// <see cref="BinaryWriter"/> writes them, length-prefixed UTF-8, a bool before each nullable one).</item>
/// </list>
/// Replaying the records in order rebuilds the state; the last hard-state record wins.
/// </para>
/// <para>
/// Crashes: each record is checked by its length and checksum. A torn last record (the file ends inside it, or it
/// fails its checksum with nothing but zeros after it, as a file system may leave after a power cut) is a write
/// that was never acknowledged: <see cref="Open"/> drops it and cuts the file back to the last good record. A bad
/// record with good data after it is not a crash but corruption, and <see cref="Open"/> refuses the file with an
/// <see cref="InvalidDataException"/> naming the file and the byte offset of the record. (A corrupted length field
/// pointing past the end of the file cannot be told from a torn write; it is treated as one.)
/// </para>
/// <para>
/// TODO(compaction): the file only grows, and <see cref="Open"/> replays all of it. There are no snapshots yet; once
/// the core has them, rewrite the file (snapshot + retained suffix) into a temporary file, fsync it, rename it over
/// this one and fsync the directory.
/// </para>
/// Not thread-safe: as <see cref="IRaftStorage"/> says, one thread drives it. The file is opened exclusively
/// (<see cref="FileShare.None"/>), so a second storage on the same directory fails to open while this one lives.
/// </summary>
public sealed class FileRaftStorage : IRaftStorage, IDisposable
{
    public const string FileName = "raft.wal";

    public const uint FormatVersion = 1;

    /// <summary>No record payload is larger; a length above it is corruption.</summary>
    public const int MaxPayloadLength = 64 << 20;

    internal const int HeaderLength = 12;

    internal const int RecordHeaderLength = 8;

    private static readonly byte[] Header = BuildHeader();

    private readonly FileStream file;
    private readonly List<LogEntry> log;
    private HardState state;
    private bool failed;
    private bool disposed;

    private FileRaftStorage(string path, FileStream file, HardState state, List<LogEntry> log, long discardedTailBytes)
    {
        FilePath = path;
        this.file = file;
        this.state = state;
        this.log = log;
        DiscardedTailBytes = discardedTailBytes;
    }

    /// <summary>The write-ahead log file.</summary>
    public string FilePath { get; }

    /// <summary>How many bytes of a torn last record <see cref="Open"/> cut off (0 when the file was clean).</summary>
    public long DiscardedTailBytes { get; }

    /// <summary>The stored hard state, as the next <see cref="Load"/> would return it.</summary>
    public HardState State => state;

    /// <summary>The stored log, as the next <see cref="Load"/> would return it.</summary>
    public IReadOnlyList<LogEntry> Log => log;

    /// <summary>
    /// Opens (creating when needed) the log in <paramref name="directory"/> and replays it. A torn last record is
    /// dropped and the file repaired; corruption anywhere else throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static FileRaftStorage Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        try
        {
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            HardState state = default;
            List<LogEntry> log = [];
            long discarded = 0;
            if (bytes.Length < HeaderLength)
            {
                // A new file, or one whose creation was cut short: (re)write the header. Note: the directory entry
                // itself is not fsynced (.NET cannot open a directory to fsync it); that matters only for a power
                // cut in the moment of first creation, when nothing has been acknowledged yet.
                if (!bytes.AsSpan().SequenceEqual(Header.AsSpan(0, bytes.Length)))
                    throw Corrupt(path, 0, "not a Raft write-ahead log (bad header)");
                file.SetLength(0);
                file.Write(Header);
                file.Flush(flushToDisk: true);
            }
            else
            {
                CheckHeader(path, bytes);
                var goodEnd = Replay(path, bytes, ref state, log);
                discarded = bytes.Length - goodEnd;
                if (discarded > 0)
                {
                    file.SetLength(goodEnd);
                    file.Flush(flushToDisk: true);
                }
            }
            file.Seek(0, SeekOrigin.End);
            return new FileRaftStorage(path, file, state, log, discarded);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public PersistentState Load()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return new PersistentState(state, [.. log]);
    }

    /// <summary>Appends the batch as records and fsyncs the file; the in-memory view changes only after that. If
    /// the write or the fsync fails, this storage refuses all further calls: reopen it to learn what is on disk.</summary>
    public void Persist(StorageWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (failed) throw new InvalidOperationException($"{FilePath}: an earlier write failed; reopen the storage");

        var count = (long)log.Count;
        var truncate = false;
        if (write.LogFrom is { } from)
        {
            if (from < 1 || from > count + 1)
                throw new ArgumentException(Invariant($"a write from index {from} would leave a gap after index {count}"), nameof(write));
            var expected = from;
            foreach (var e in write.Entries)
            {
                if (e.Index != expected) throw new ArgumentException(Invariant($"entry {e.Index} does not follow index {expected - 1}"), nameof(write));
                expected++;
            }
            truncate = from <= count;
        }
        else if (write.Entries.Count != 0)
        {
            throw new ArgumentException("entries without LogFrom", nameof(write));
        }

        // Encode everything first: an unencodable command must fail before a byte is written.
        using var batch = new MemoryStream();
        if (write.State is { } s) AppendRecord(batch, w => EncodeHardState(w, s));
        if (truncate) AppendRecord(batch, w => EncodeTruncate(w, write.LogFrom!.Value));
        foreach (var e in write.Entries) AppendRecord(batch, w => EncodeEntry(w, e));
        if (batch.Length == 0) return;

        try
        {
            file.Write(batch.GetBuffer(), 0, (int)batch.Length);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            failed = true;
            throw;
        }

        if (write.State is { } written) state = written;
        if (write.LogFrom is { } start)
        {
            log.RemoveRange((int)(start - 1), log.Count - (int)(start - 1));
            log.AddRange(write.Entries);
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        file.Dispose();
    }

    private enum RecordType : byte
    {
        HardState = 1,
        Truncate = 2,
        Entry = 3,
    }

    private enum CommandTag : byte
    {
        Noop = 0,
        KvRead = 1,
        KvWrite = 2,
        KvCas = 3,
        AcquireLock = 4,
        ReleaseLock = 5,
        FencedWrite = 6,
    }

    private static byte[] BuildHeader()
    {
        var header = new byte[HeaderLength];
        "DDIARAFT"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), FormatVersion);
        return header;
    }

    private static void CheckHeader(string path, byte[] bytes)
    {
        if (!bytes.AsSpan(0, 8).SequenceEqual(Header.AsSpan(0, 8)))
            throw Corrupt(path, 0, "not a Raft write-ahead log (bad magic)");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != FormatVersion)
            throw Corrupt(path, 8, Invariant($"format version {version}, but this build reads only version {FormatVersion}"));
    }

    /// <summary>Applies every good record to <paramref name="state"/> and <paramref name="log"/>; returns the offset
    /// just past the last good record (the file's length when there is no torn tail).</summary>
    private static long Replay(string path, byte[] bytes, ref HardState state, List<LogEntry> log)
    {
        var offset = HeaderLength;
        while (offset < bytes.Length)
        {
            var rest = bytes.AsSpan(offset);
            if (IsAllZero(rest)) break;                       // zeros a crash left past the last write
            if (rest.Length < RecordHeaderLength) break;      // torn inside the record header
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            if (length == 0 || length > MaxPayloadLength)
                throw Corrupt(path, offset, Invariant($"impossible record length {length}"));
            var end = RecordHeaderLength + (int)length;
            if (end > rest.Length) break;                     // torn: the record runs past the end of the file
            if (Crc32.Compute(rest[4..end]) != crc)
            {
                if (IsAllZero(rest[end..])) break;            // torn last record: its bytes reached the disk in part
                throw Corrupt(path, offset, "checksum mismatch");
            }
            try
            {
                Apply(bytes, offset + RecordHeaderLength, (int)length, ref state, log);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw Corrupt(path, offset, e.Message);
            }
            offset += end;
        }
        return offset;
    }

    private static void Apply(byte[] bytes, int start, int length, ref HardState state, List<LogEntry> log)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, start, length, writable: false), Encoding.UTF8);
        var type = (RecordType)reader.ReadByte();
        switch (type)
        {
            case RecordType.HardState:
                var term = reader.ReadInt64();
                state = new HardState(term, reader.ReadBoolean() ? reader.ReadInt32() : null);
                break;
            case RecordType.Truncate:
                var from = reader.ReadInt64();
                if (from < 1 || from > log.Count + 1)
                    throw new InvalidDataException(Invariant($"truncation from index {from} of a log of {log.Count} entries"));
                log.RemoveRange((int)(from - 1), log.Count - (int)(from - 1));
                break;
            case RecordType.Entry:
                var index = reader.ReadInt64();
                var entryTerm = reader.ReadInt64();
                var command = ReadCommand(reader);
                if (index != log.Count + 1)
                    throw new InvalidDataException(Invariant($"entry {index} does not follow index {log.Count}"));
                log.Add(new LogEntry(index, entryTerm, command));
                break;
            default:
                throw new InvalidDataException(Invariant($"unknown record type {(byte)type}"));
        }
        if (reader.BaseStream.Position != length)
            throw new InvalidDataException(Invariant($"{length - reader.BaseStream.Position} bytes after the end of a {type} record"));
    }

    private static void AppendRecord(MemoryStream batch, Action<BinaryWriter> encode)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true)) encode(writer);
        var length = (int)payload.Length;
        if (length > MaxPayloadLength) throw new ArgumentException(Invariant($"a record of {length} bytes is too large"));
        var framed = new byte[RecordHeaderLength + length];
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(4), (uint)length);
        payload.GetBuffer().AsSpan(0, length).CopyTo(framed.AsSpan(RecordHeaderLength));
        BinaryPrimitives.WriteUInt32LittleEndian(framed, Crc32.Compute(framed.AsSpan(4)));
        batch.Write(framed);
    }

    private static void EncodeHardState(BinaryWriter w, HardState s)
    {
        w.Write((byte)RecordType.HardState);
        w.Write(s.Term);
        w.Write(s.VotedFor.HasValue);
        if (s.VotedFor is { } vote) w.Write(vote);
    }

    private static void EncodeTruncate(BinaryWriter w, long from)
    {
        w.Write((byte)RecordType.Truncate);
        w.Write(from);
    }

    private static void EncodeEntry(BinaryWriter w, LogEntry e)
    {
        w.Write((byte)RecordType.Entry);
        w.Write(e.Index);
        w.Write(e.Term);
        WriteCommand(w, e.Command);
    }

    private static void WriteCommand(BinaryWriter w, Command command)
    {
        switch (command)
        {
            case Noop:
                w.Write((byte)CommandTag.Noop);
                break;
            case KvRead c:
                w.Write((byte)CommandTag.KvRead);
                w.Write(c.Key);
                break;
            case KvWrite c:
                w.Write((byte)CommandTag.KvWrite);
                w.Write(c.Key);
                w.Write(c.Value);
                break;
            case KvCas c:
                w.Write((byte)CommandTag.KvCas);
                w.Write(c.Key);
                WriteNullable(w, c.From);
                w.Write(c.To);
                break;
            case AcquireLock c:
                w.Write((byte)CommandTag.AcquireLock);
                w.Write(c.Client);
                w.Write(c.LeaseMs);
                w.Write(c.WallMs);
                break;
            case ReleaseLock c:
                w.Write((byte)CommandTag.ReleaseLock);
                w.Write(c.Client);
                w.Write(c.Token);
                break;
            case FencedWrite c:
                w.Write((byte)CommandTag.FencedWrite);
                w.Write(c.Token);
                w.Write(c.Key);
                w.Write(c.Value);
                break;
            default:
                throw new NotSupportedException($"no encoding for command type {command.GetType().Name}");
        }
    }

    private static Command ReadCommand(BinaryReader r)
    {
        var tag = (CommandTag)r.ReadByte();
        return tag switch
        {
            CommandTag.Noop => Noop.Instance,
            CommandTag.KvRead => new KvRead(r.ReadString()),
            CommandTag.KvWrite => new KvWrite(r.ReadString(), r.ReadString()),
            CommandTag.KvCas => new KvCas(r.ReadString(), ReadNullable(r), r.ReadString()),
            CommandTag.AcquireLock => new AcquireLock(r.ReadString(), r.ReadInt64(), r.ReadInt64()),
            CommandTag.ReleaseLock => new ReleaseLock(r.ReadString(), r.ReadInt64()),
            CommandTag.FencedWrite => new FencedWrite(r.ReadInt64(), r.ReadString(), r.ReadString()),
            _ => throw new InvalidDataException(Invariant($"unknown command tag {(byte)tag}")),
        };
    }

    private static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static bool IsAllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

    private static InvalidDataException Corrupt(string path, long offset, string reason) =>
        new(Invariant($"{path}: corrupt record at byte offset {offset}: {reason}"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
