using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Systems.Txn.Tests;

public sealed class CompactionTests
{
    private static string LogPath(TempStore db) => Path.Combine(db.Directory, "txn.wal");

    [Fact]
    public async Task Compaction_KeepsLatestValues_ShrinksTheLog_AndLaterCommitsStillRecover()
    {
        using var db = new TempStore(Isolation.Snapshot, compactAfterBytes: 0);
        for (var i = 0; i < 100; i++) Assert.True((await db.Store.ExecuteAsync([TxnOp.Append("a", i), TxnOp.Write("b", [i])])).Committed);
        await db.SetAsync("gone", 1);
        Assert.True((await db.Store.ExecuteAsync([TxnOp.Write("gone", null)])).Committed);
        var before = new FileInfo(LogPath(db)).Length;

        await db.Store.CompactAsync();
        Assert.True(new FileInfo(LogPath(db)).Length < before / 10);
        await db.SetAsync("after", 5);

        var store = db.Reopen();
        Assert.Equal(2, store.Recovery.RecordsReplayed);   // the compacted state + the commit after it
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), store.ReadCommitted("a"));
        Assert.Equal([99], store.ReadCommitted("b"));
        Assert.Null(store.ReadCommitted("gone"));
        Assert.Equal([5], store.ReadCommitted("after"));
        Assert.Equal(103, store.Recovery.LastCommitSequence);
    }

    [Fact]
    public async Task AutomaticCompaction_BoundsTheLog()
    {
        using var db = new TempStore(Isolation.ReadCommitted, compactAfterBytes: 4096);
        for (var i = 0; i < 500; i++) await db.SetAsync("k" + (i % 5), i);
        Assert.True(new FileInfo(LogPath(db)).Length <= 4096 + 200, $"log is {new FileInfo(LogPath(db)).Length} bytes");
        var store = db.Reopen();
        for (var k = 0; k < 5; k++) Assert.Equal([495 + k], store.ReadCommitted("k" + k));
    }

    [Fact]
    public async Task LeftoverCompactionFile_FromACrash_IsIgnored()
    {
        using var db = new TempStore(Isolation.Serializable);
        await db.SetAsync("a", 1);
        db.Store.Dispose();
        await File.WriteAllBytesAsync(Path.Combine(db.Directory, "txn.wal.compacting"), [1, 2, 3]);
        Assert.Equal([1], db.Reopen().ReadCommitted("a"));
        Assert.False(File.Exists(Path.Combine(db.Directory, "txn.wal.compacting")));
    }
}
