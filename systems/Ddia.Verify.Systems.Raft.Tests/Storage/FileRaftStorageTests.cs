using System.Buffers.Binary;
using System.Globalization;
using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Systems.Raft.Tests.Storage;

/// <summary>The write-ahead log file: round trips, truncation, torn tails from crashes mid-write, and corruption.</summary>
public sealed class FileRaftStorageTests
{
    private static readonly Command[] EveryCommand =
    [
        Noop.Instance,
        new KvRead("k"),
        new KvWrite("k", "{\"json\": [1, 2]}"),
        new KvCas("k", null, "first"),
        new KvCas("ключ", "first", ""),
        new AcquireLock("client-7", 2_500, 1_764_000_000_123),
        new ReleaseLock("client-7", 6),
        new FencedWrite(long.MaxValue, "fenced", "v"),
    ];

    private static LogEntry Entry(long index, long term, string value = "x") => new(index, term, new KvWrite("k", value));

    private static StorageWrite Append(params LogEntry[] entries) => new(null, entries[0].Index, entries);

    private static string WalPath(string dir) => Path.Combine(dir, FileRaftStorage.FileName);

    private static PersistentState Reopen(string dir)
    {
        using var storage = FileRaftStorage.Open(dir);
        return storage.Load();
    }

    private static void AssertSame(PersistentState expected, PersistentState actual)
    {
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.Log, actual.Log);
    }

    [Fact]
    public void Crc32_MatchesTheStandardCheckValue() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void NewDirectory_LoadsEmpty_AndWritesOnlyTheHeader()
    {
        using var temp = new TempDirectory();
        var dir = Path.Combine(temp.Path, "a", "b");
        AssertSame(PersistentState.Empty, Reopen(dir));
        Assert.Equal(12, new FileInfo(WalPath(dir)).Length);
        AssertSame(PersistentState.Empty, Reopen(dir));
    }

    [Fact]
    public void HardStateAndEntriesOfEveryCommandType_SurviveReopening()
    {
        using var temp = new TempDirectory();
        var entries = EveryCommand.Select((c, i) => new LogEntry(i + 1, 1 + (i / 3), c)).ToArray();
        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            storage.Persist(new StorageWrite(new HardState(3, 1), 1, entries));
            AssertSame(new PersistentState(new HardState(3, 1), entries), storage.Load());
        }
        AssertSame(new PersistentState(new HardState(3, 1), entries), Reopen(temp.Path));

        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            Assert.Equal(0, storage.DiscardedTailBytes);
            storage.Persist(new StorageWrite(new HardState(4, null), null, []));
        }
        AssertSame(new PersistentState(new HardState(4, null), entries), Reopen(temp.Path));
    }

    [Fact]
    public void TruncationThenAppend_MatchesMemoryStorage_AfterReopening()
    {
        using var temp = new TempDirectory();
        StorageWrite[] writes =
        [
            new(new HardState(1, 0), 1, [Entry(1, 1), Entry(2, 1), Entry(3, 1), Entry(4, 1)]),
            new(new HardState(2, null), 3, [Entry(3, 2, "y"), Entry(4, 2, "y"), Entry(5, 2, "y")]),   // conflicting suffix
            new(null, 2, []),                                                                        // only shorter
            Append(Entry(2, 3, "z"), Entry(3, 3, "z")),
            new(new HardState(3, 2), 4, [Entry(4, 3, "w")]),
        ];
        var memory = new MemoryRaftStorage();
        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            foreach (var write in writes)
            {
                memory.Persist(write);
                storage.Persist(write);
                AssertSame(memory.Load(), storage.Load());
            }
        }
        AssertSame(memory.Load(), Reopen(temp.Path));
        Assert.Equal([Entry(1, 1), Entry(2, 3, "z"), Entry(3, 3, "z"), Entry(4, 3, "w")], Reopen(temp.Path).Log);
    }

    [Fact]
    public void InvalidWrites_AreRefusedBeforeAnythingIsWritten()
    {
        using var temp = new TempDirectory();
        using var storage = FileRaftStorage.Open(temp.Path);
        storage.Persist(Append(Entry(1, 1)));
        var length = new FileInfo(WalPath(temp.Path)).Length;
        Assert.Throws<ArgumentException>(() => storage.Persist(Append(Entry(3, 1))));            // a gap
        Assert.Throws<ArgumentException>(() => storage.Persist(new StorageWrite(null, 2, [Entry(3, 1)])));
        Assert.Throws<ArgumentException>(() => storage.Persist(new StorageWrite(new HardState(9, 9), null, [Entry(2, 1)])));
        Assert.Equal(length, new FileInfo(WalPath(temp.Path)).Length);
        Assert.Equal([Entry(1, 1)], storage.Log);
        Assert.Equal(default, storage.State);
    }

    [Fact]
    public void SecondOpen_OfALiveDirectory_Fails()
    {
        using var temp = new TempDirectory();
        using var storage = FileRaftStorage.Open(temp.Path);
        Assert.ThrowsAny<IOException>(() => FileRaftStorage.Open(temp.Path));
    }

    /// <summary>Writes one record per write, so the file's length after each write is a record boundary. Returns the
    /// file's bytes, those boundaries (after the header: 12) and the state after each write.</summary>
    private static (byte[] Bytes, List<long> Ends, List<PersistentState> States) OneRecordPerWrite(string dir)
    {
        StorageWrite[] writes =
        [
            new(new HardState(1, 1), null, []),
            Append(new LogEntry(1, 1, Noop.Instance)),
            Append(Entry(2, 1)),
            Append(new LogEntry(3, 1, new KvCas("k", null, "c"))),
            new(null, 3, []),
            new(new HardState(2, null), null, []),
            Append(new LogEntry(3, 2, new AcquireLock("c1", 1_000, 5))),
            Append(new LogEntry(4, 2, new FencedWrite(3, "f", "v"))),
        ];
        var memory = new MemoryRaftStorage();
        var ends = new List<long> { 12 };
        var states = new List<PersistentState> { memory.Load() };
        using (var storage = FileRaftStorage.Open(dir))
        {
            foreach (var write in writes)
            {
                storage.Persist(write);
                memory.Persist(write);
                ends.Add(new FileInfo(WalPath(dir)).Length);
                states.Add(memory.Load());
            }
        }
        return (File.ReadAllBytes(WalPath(dir)), ends, states);
    }

    [Fact]
    public void CrashMidWrite_AtEveryByte_KeepsExactlyTheWholeRecords_AndRepairsTheFile()
    {
        using var temp = new TempDirectory();
        var (bytes, ends, states) = OneRecordPerWrite(temp.Sub("source"));
        var dir = temp.Sub("cut");
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            File.WriteAllBytes(WalPath(dir), bytes[..cut]);
            var whole = ends.FindLastIndex(end => end <= cut);    // -1: the header itself is torn
            var expectedLength = Math.Max(ends[Math.Max(whole, 0)], 12);
            using (var storage = FileRaftStorage.Open(dir))
            {
                AssertSame(states[Math.Max(whole, 0)], storage.Load());
                Assert.Equal(whole < 0 ? 0 : cut - expectedLength, storage.DiscardedTailBytes);
            }
            Assert.Equal(expectedLength, new FileInfo(WalPath(dir)).Length);
            Assert.Equal(bytes[..(int)expectedLength], File.ReadAllBytes(WalPath(dir)));
        }
    }

    [Fact]
    public void AfterARepair_NewWritesAppendAndSurvive()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("source");
        var (bytes, ends, states) = OneRecordPerWrite(dir);
        File.WriteAllBytes(WalPath(dir), bytes[..(int)(ends[^1] - 3)]);   // the last record torn
        using (var storage = FileRaftStorage.Open(dir))
        {
            Assert.Equal(ends[^1] - 3 - ends[^2], storage.DiscardedTailBytes);
            storage.Persist(Append(Entry(4, 2, "after")));
        }
        var restored = Reopen(dir);
        Assert.Equal(states[^2].State, restored.State);
        Assert.Equal([.. states[^2].Log, Entry(4, 2, "after")], restored.Log);
    }

    [Fact]
    public void LastRecordWithABadChecksum_OrZerosAfterTheLastRecord_IsATornTail()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("source");
        var (bytes, ends, states) = OneRecordPerWrite(dir);

        var garbled = (byte[])bytes.Clone();
        garbled[^1] ^= 0x5A;                                               // complete length, wrong contents
        File.WriteAllBytes(WalPath(dir), [.. garbled, 0, 0, 0, 0]);        // and zeros past it
        AssertSame(states[^2], Reopen(dir));
        Assert.Equal(ends[^2], new FileInfo(WalPath(dir)).Length);

        File.WriteAllBytes(WalPath(dir), [.. bytes, .. new byte[4096]]);  // zeros past a good last record
        AssertSame(states[^1], Reopen(dir));
        Assert.Equal(bytes, File.ReadAllBytes(WalPath(dir)));
    }

    [Fact]
    public void BadRecordInTheMiddle_IsAnErrorNamingTheFileAndOffset()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("source");
        var (bytes, ends, _) = OneRecordPerWrite(dir);
        var record = 3;
        var offset = ends[record];                        // the start of the fourth record

        var flipped = (byte[])bytes.Clone();
        flipped[offset + 10] ^= 0x01;                     // a payload byte
        AssertCorrupt(flipped, offset, "checksum mismatch");

        var badLength = (byte[])bytes.Clone();
        badLength[offset + 4] = 0;                        // the length field, so the record and its checksum no longer agree
        badLength[offset + 5] = 0;
        badLength[offset + 6] = 0;
        badLength[offset + 7] = 0;
        AssertCorrupt(badLength, offset, "impossible record length 0");

        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = (byte)'X';
        AssertCorrupt(badMagic, 0, "not a Raft write-ahead log");

        void AssertCorrupt(byte[] content, long at, string reason)
        {
            File.WriteAllBytes(WalPath(dir), content);
            var e = Assert.Throws<InvalidDataException>(() => FileRaftStorage.Open(dir));
            Assert.Contains(WalPath(dir), e.Message, StringComparison.Ordinal);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"byte offset {at}:"), e.Message, StringComparison.Ordinal);
            Assert.Contains(reason, e.Message, StringComparison.Ordinal);
            Assert.Equal(content, File.ReadAllBytes(WalPath(dir)));   // refused, not "repaired"
        }
    }

    [Fact]
    public void WellFramedRecordThatMakesNoSense_IsAnErrorWithItsOffset()
    {
        // A valid checksum over a truncation that would leave a gap: a bug, not a crash.
        using var temp = new TempDirectory();
        var dir = temp.Sub("source");
        using (var storage = FileRaftStorage.Open(dir)) storage.Persist(Append(Entry(1, 1)));
        var good = File.ReadAllBytes(WalPath(dir));
        var payload = new byte[9];
        payload[0] = 2;
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(1), 7);   // truncation from index 7 of a one-entry log
        var framed = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(framed, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(framed, Crc32.Compute(framed.AsSpan(4)));
        File.WriteAllBytes(WalPath(dir), [.. good, .. framed]);
        var e = Assert.Throws<InvalidDataException>(() => FileRaftStorage.Open(dir));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"byte offset {good.Length}: truncation from index 7"), e.Message, StringComparison.Ordinal);
    }
}
