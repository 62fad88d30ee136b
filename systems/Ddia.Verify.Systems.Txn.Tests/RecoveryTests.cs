using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Systems.Txn.Tests;

/// <summary>The write-ahead log: acknowledged commits survive a reopen, a torn last record is dropped and reported,
/// and nothing uncommitted ever comes back.</summary>
public sealed class RecoveryTests
{
    private static string LogPath(TempStore db) => Path.Combine(db.Directory, "txn.wal");

    [Fact]
    public async Task CommittedTransactions_SurviveReopen()
    {
        using var db = new TempStore(Isolation.Serializable);
        await db.SetAsync("a", 1, 2, 3);
        Assert.True((await db.Store.ExecuteAsync([TxnOp.Append("a", 4), TxnOp.Write("b", [7])])).Committed);
        Assert.True((await db.Store.ExecuteAsync([TxnOp.Write("b", null)])).Committed);   // delete
        var store = db.Reopen();
        Assert.Equal(new RecoverySummary(3, 0, 3), store.Recovery);
        Assert.Equal([1, 2, 3, 4], store.ReadCommitted("a"));
        Assert.Null(store.ReadCommitted("b"));
        // Sequence numbers continue after recovery: a new snapshot sees everything replayed.
        using var t = store.Begin();
        Assert.Equal(3, t.SnapshotSequence);
        await t.AppendAsync("a", 5);
        await t.CommitAsync();
        Assert.Equal([1, 2, 3, 4, 5], db.Reopen().ReadCommitted("a"));
        Assert.Equal(4, db.Store.Recovery.RecordsReplayed);
    }

    [Fact]
    public async Task TornLastRecord_IsDroppedAndReported()
    {
        using var db = new TempStore(Isolation.Snapshot);
        await db.SetAsync("a", 1);
        var before = new FileInfo(LogPath(db)).Length;
        await db.SetAsync("b", 2);
        var after = new FileInfo(LogPath(db)).Length;
        db.Store.Dispose();

        // A crash in the middle of writing b's commit record: only part of it reached the disk.
        const int cut = 5;
        using (var f = new FileStream(LogPath(db), FileMode.Open)) f.SetLength(after - cut);

        var store = db.Reopen();
        Assert.Equal(1, store.Recovery.RecordsReplayed);
        Assert.Equal(after - before - cut, store.Recovery.BytesDropped);
        Assert.Equal([1], store.ReadCommitted("a"));
        Assert.Null(store.ReadCommitted("b"));
        Assert.Equal(before, new FileInfo(LogPath(db)).Length);   // the file was cut back to the last good record

        // The log stays usable after repair.
        await db.SetAsync("c", 3);
        Assert.Equal([3], db.Reopen().ReadCommitted("c"));
        Assert.Equal(0, db.Store.Recovery.BytesDropped);
    }

    [Fact]
    public async Task LastRecordWithBadChecksumAndZeroTail_IsTornNotCorrupt()
    {
        using var db = new TempStore(Isolation.ReadCommitted);
        await db.SetAsync("a", 1);
        var before = new FileInfo(LogPath(db)).Length;
        await db.SetAsync("b", 2);
        db.Store.Dispose();
        using (var f = new FileStream(LogPath(db), FileMode.Open))
        {
            // The record's last bytes never made it: zeros where they should be, and a zero-filled block after.
            f.Seek(-8, SeekOrigin.End);   // the element 2 of [2], little-endian
            f.Write(new byte[8 + 512]);
        }
        var store = db.Reopen();
        Assert.Equal(1, store.Recovery.RecordsReplayed);
        Assert.True(store.Recovery.BytesDropped > 512);
        Assert.Null(store.ReadCommitted("b"));
        Assert.Equal(before, new FileInfo(LogPath(db)).Length);
    }

    [Fact]
    public async Task CorruptRecordBeforeGoodOnes_IsRefused()
    {
        using var db = new TempStore(Isolation.Snapshot);
        await db.SetAsync("a", 1);
        await db.SetAsync("b", 2);
        db.Store.Dispose();
        using (var f = new FileStream(LogPath(db), FileMode.Open))
        {
            f.Seek(12 + 8 + 2, SeekOrigin.Begin);   // inside the first record's payload
            var b = f.ReadByte();
            f.Seek(-1, SeekOrigin.Current);
            f.WriteByte((byte)(b ^ 0xFF));
        }
        Assert.Throws<InvalidDataException>(() => TxnStore.Open(db.Directory, db.Options));
    }

    [Fact]
    public async Task AbortedAndUncommittedWrites_AreNeverRecovered()
    {
        using var db = new TempStore(Isolation.Snapshot);
        await db.SetAsync("kept", 1);
        var length = new FileInfo(LogPath(db)).Length;

        var aborted = db.Store.Begin();
        await aborted.WriteAsync("x", [1]);
        aborted.Abort();

        var conflicted = db.Store.Begin();
        await conflicted.WriteAsync("kept", [99]);
        await conflicted.WriteAsync("y", [1]);
        await db.SetAsync("kept", 2);
        await Assert.ThrowsAsync<TransactionAbortedException>(() => conflicted.CommitAsync());

        var open = db.Store.Begin();
        await open.WriteAsync("z", [1]);      // never committed: the "crash" (close) comes first

        Assert.Equal(2, db.Reopen().Recovery.RecordsReplayed);
        Assert.Null(db.Store.ReadCommitted("x"));
        Assert.Null(db.Store.ReadCommitted("y"));
        Assert.Null(db.Store.ReadCommitted("z"));
        Assert.Equal([2], db.Store.ReadCommitted("kept"));
        Assert.True(new FileInfo(LogPath(db)).Length > length);
    }

    [Theory]
    [InlineData(Isolation.ReadCommitted)]
    [InlineData(Isolation.Serializable)]
    [InlineData(Isolation.TwoPhaseLocking)]
    public async Task EveryAcknowledgedAppend_IsRecovered_AndNoOther(Isolation isolation)
    {
        using var db = new TempStore(isolation);
        var acknowledged = new List<(string Key, long Value)>();
        long next = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            var random = new Random(p);
            for (var i = 0; i < 100; i++)
            {
                var (k1, k2) = ("k" + random.Next(3), "k" + random.Next(3));
                var (v1, v2) = (Interlocked.Increment(ref next), Interlocked.Increment(ref next));
                var outcome = await db.Store.ExecuteAsync([TxnOp.Read(k1), TxnOp.Append(k1, v1), TxnOp.Append(k2, v2)]);
                if (outcome.Committed) lock (acknowledged) acknowledged.AddRange([(k1, v1), (k2, v2)]);
            }
        })));
        var live = Enumerable.Range(0, 3).ToDictionary(i => "k" + i, i => db.Store.ReadCommitted("k" + i) ?? []);
        var store = db.Reopen();
        foreach (var (key, list) in live)
        {
            var recovered = store.ReadCommitted(key) ?? [];
            Assert.Equal(list, recovered);
            Assert.Equal(acknowledged.Where(a => a.Key == key).Select(a => a.Value).Order(), recovered.Order());
        }
    }
}
