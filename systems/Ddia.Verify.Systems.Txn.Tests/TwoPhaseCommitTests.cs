using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Systems.Txn.Tests;

/// <summary>The participant's side of two-phase commit: a prepared transaction keeps its locks until the decision,
/// survives a crash in doubt (still blocking its keys), and its decision survives a reopen.</summary>
public sealed class TwoPhaseCommitTests
{
    private static async Task<Transaction> Prepared(TxnStore store, string globalId, string key, params long[] list)
    {
        var t = store.Begin();
        await t.WriteAsync(key, list);
        await t.PrepareAsync(globalId);
        return t;
    }

    /// <summary>Another transaction's write of <paramref name="key"/> (short lock wait): committed or not.</summary>
    private static async Task<bool> WriterCommits(TxnStore store, string key) =>
        (await store.ExecuteAsync([TxnOp.Write(key, [-1])])).Committed;

    [Theory]
    [InlineData(Isolation.TwoPhaseLocking)]
    [InlineData(Isolation.ReadCommitted)]
    [InlineData(Isolation.Serial)]
    public async Task Prepared_BlocksAConflictingWriter_UntilCommitPrepared(Isolation isolation)
    {
        // Long enough that the waiting writer below outlasts a commit's fsync on a loaded machine.
        using var db = new TempStore(isolation, lockWait: TimeSpan.FromSeconds(1));
        var t = await Prepared(db.Store, "c.1.1", "x", 1);
        Assert.True(t.IsPrepared);
        Assert.Equal("c.1.1", t.GlobalId);
        Assert.NotNull(t.PreparedAt);
        Assert.Equal(GlobalOutcome.Prepared, db.Store.Outcome("c.1.1"));

        // The writer times out (not the prepared one: the store may not abort it), and Abort() does nothing to it.
        var blocked = await db.Store.ExecuteAsync([TxnOp.Write("x", [2])]);
        Assert.False(blocked.Committed);
        Assert.Equal(AbortReason.LockTimeout, blocked.Reason);
        t.Abort();
        Assert.True(t.IsPrepared);
        await Assert.ThrowsAsync<InvalidOperationException>(() => t.WriteAsync("y", [1]));

        // A writer waiting when the decision arrives gets the lock right after it.
        var waiting = Task.Run(() => db.Store.ExecuteAsync([TxnOp.Append("x", 3)]));
        await Task.Delay(50);
        await t.CommitPreparedAsync();
        Assert.True(t.IsCommitted);
        Assert.True((await waiting).Committed);
        Assert.Equal([1, 3], db.Store.ReadCommitted("x"));
        Assert.Equal(GlobalOutcome.Committed, db.Store.Outcome("c.1.1"));
        Assert.Empty(db.Store.InDoubt);
    }

    [Fact]
    public async Task AbortPrepared_ReleasesAndLeavesNoTrace()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking, lockWait: TimeSpan.FromMilliseconds(200));
        await db.SetAsync("x", 0);
        var t = await Prepared(db.Store, "c.1.2", "x", 1);
        Assert.True(await WriterCommits(db.Store, "unrelated"));
        await t.AbortPreparedAsync();
        Assert.True(t.IsAborted);
        Assert.Equal([0], db.Store.ReadCommitted("x"));
        Assert.True(await WriterCommits(db.Store, "x"));
        Assert.Equal(GlobalOutcome.Aborted, db.Store.Outcome("c.1.2"));
    }

    [Theory]
    [InlineData(Isolation.TwoPhaseLocking)]
    [InlineData(Isolation.Serial)]
    public async Task CrashAfterPrepare_ComesBackInDoubt_StillBlocking_ThenCommitPreparedInstalls(Isolation isolation)
    {
        using var db = new TempStore(isolation, lockWait: TimeSpan.FromMilliseconds(200));
        await db.SetAsync("x", 0);
        var t = db.Store.Begin();
        await t.AppendAsync("x", 1);
        await t.WriteAsync("y", [7]);
        await t.PrepareAsync("c.1.3");
        if (isolation != Isolation.Serial)
        {
            // Serial would make it wait for the prepared one's mutex.
            var local = db.Store.Begin();
            await local.WriteAsync("z", [5]);
        }
        // Crash: the store goes away with the transaction prepared (and another one open).
        var store = db.Reopen();

        var inDoubt = Assert.Single(store.InDoubt);
        Assert.Equal("c.1.3", inDoubt.GlobalId);
        Assert.Equal(["x", "y"], inDoubt.WrittenKeys.Order());
        Assert.Equal(GlobalOutcome.Prepared, store.Outcome("c.1.3"));
        Assert.Null(store.ReadCommitted("z"));
        Assert.Equal([0], store.ReadCommitted("x"));
        Assert.False(await WriterCommits(store, "x"));
        Assert.False(await WriterCommits(store, "y"));

        await store.FindPrepared("c.1.3")!.CommitPreparedAsync();
        Assert.Equal([0, 1], store.ReadCommitted("x"));
        Assert.True(await WriterCommits(store, "y"));
        store = db.Reopen();
        Assert.Empty(store.InDoubt);
        Assert.Equal(GlobalOutcome.Committed, store.Outcome("c.1.3"));
        Assert.Equal([0, 1], store.ReadCommitted("x"));
    }

    [Fact]
    public async Task AbortPrepared_SurvivesReopen_AsAborted()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking, lockWait: TimeSpan.FromMilliseconds(200));
        var t = await Prepared(db.Store, "c.1.4", "x", 1);
        db.Store.Dispose();
        // A copy of the log taken while it was in doubt, as kill -9 would leave it.
        var crashed = Directory.CreateTempSubdirectory("ddia-txn-copy-").FullName;
        try
        {
            File.Copy(Path.Combine(db.Directory, "txn.wal"), Path.Combine(crashed, "txn.wal"));
            var store = db.Reopen();
            await store.FindPrepared("c.1.4")!.AbortPreparedAsync();
            store = db.Reopen();
            Assert.Empty(store.InDoubt);
            Assert.Equal(GlobalOutcome.Aborted, store.Outcome("c.1.4"));
            Assert.Null(store.ReadCommitted("x"));
            Assert.True(await WriterCommits(store, "x"));

            using var copy = TxnStore.Open(crashed, db.Options);
            Assert.Equal(GlobalOutcome.Prepared, copy.Outcome("c.1.4"));
            Assert.Single(copy.InDoubt);
        }
        finally
        {
            Directory.Delete(crashed, recursive: true);
        }
        GC.KeepAlive(t);
    }

    [Fact]
    public async Task Compaction_KeepsStillPreparedTransactions()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking, lockWait: TimeSpan.FromMilliseconds(200), compactAfterBytes: 0);
        for (var i = 0; i < 50; i++) await db.SetAsync("k", i);
        var done = await Prepared(db.Store, "c.1.5", "done", 1);
        await done.CommitPreparedAsync();
        await Prepared(db.Store, "c.1.6", "open", 2);
        await db.Store.CompactAsync();

        var store = db.Reopen();
        Assert.Equal("c.1.6", Assert.Single(store.InDoubt).GlobalId);
        Assert.Equal([49], store.ReadCommitted("k"));
        Assert.Equal([1], store.ReadCommitted("done"));
        Assert.False(await WriterCommits(store, "open"));
        await store.FindPrepared("c.1.6")!.CommitPreparedAsync();
        Assert.Equal([2], db.Reopen().ReadCommitted("open"));
    }

    [Theory]
    [InlineData(Isolation.Snapshot)]
    [InlineData(Isolation.Serializable)]
    public async Task SnapshotLevels_RefusePrepare(Isolation isolation)
    {
        using var db = new TempStore(isolation);
        using var t = db.Store.Begin();
        await t.WriteAsync("x", [1]);
        await Assert.ThrowsAsync<NotSupportedException>(() => t.PrepareAsync("c.1.7"));
        await t.CommitAsync();   // still an ordinary transaction
    }

    [Fact]
    public async Task SameGlobalIdTwice_IsRefused()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking);
        await (await Prepared(db.Store, "c.1.8", "x", 1)).CommitPreparedAsync();
        using var again = db.Store.Begin();
        await Assert.ThrowsAsync<InvalidOperationException>(() => again.PrepareAsync("c.1.8"));
    }

    [Fact]
    public async Task OldFormatLog_IsRefusedWithAClearError()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking);
        db.Store.Dispose();
        var header = new byte[12];
        "DDIATXN1"u8.CopyTo(header);
        header[8] = 1;
        File.WriteAllBytes(Path.Combine(db.Directory, "txn.wal"), header);
        var e = Assert.Throws<InvalidDataException>(() => db.Reopen());
        Assert.Contains("version 1", e.Message, StringComparison.Ordinal);
    }
}
