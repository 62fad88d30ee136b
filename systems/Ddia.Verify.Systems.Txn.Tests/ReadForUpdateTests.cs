using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Systems.Txn.Tests;

/// <summary>SELECT … FOR UPDATE (DDIA's "explicit locking"): under the locking levels a read for update takes the write
/// lock, so read-modify-write cycles queue instead of losing updates (read committed) or deadlocking on an upgrade (2PL).</summary>
public sealed class ReadForUpdateTests
{
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(150);

    [Theory]
    [InlineData(Isolation.ReadCommitted)]
    [InlineData(Isolation.TwoPhaseLocking)]
    public async Task ConcurrentIncrements_ReadForUpdate_QueueAndLoseNothing(Isolation isolation)
    {
        using var db = new TempStore(isolation);
        await db.SetAsync("counter", 0);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        var v1 = (await t1.ReadForUpdateAsync("counter"))![0];
        var second = t2.ReadForUpdateAsync("counter");
        await Task.Delay(Blocked);
        Assert.False(second.IsCompleted, "the second read for update must wait for the first transaction's lock");

        await t1.WriteAsync("counter", [v1 + 1]);
        await t1.CommitAsync();
        var v2 = (await second)![0];
        await t2.WriteAsync("counter", [v2 + 1]);
        await t2.CommitAsync();
        Assert.Equal(2, db.Store.ReadCommitted("counter")![0]);
    }

    [Fact]
    public async Task TwoPhaseLocking_PlainReadsThenWrites_Deadlock_WhereReadsForUpdateWouldQueue()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking);
        await db.SetAsync("x", 0);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        await t1.ReadAsync("x");
        await t2.ReadAsync("x");
        var upgrade = t1.WriteAsync("x", [1]);
        await Task.Delay(Blocked);
        var e = await Assert.ThrowsAsync<TransactionAbortedException>(() => t2.WriteAsync("x", [2]));
        Assert.Equal(AbortReason.Deadlock, e.Reason);
        await upgrade;
        await t1.CommitAsync();
    }

    [Fact]
    public async Task Snapshot_ReadForUpdate_IsAPlainSnapshotRead_TheCommitCheckStillCatchesTheConflict()
    {
        using var db = new TempStore(Isolation.Snapshot);
        await db.SetAsync("x", 0);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        await t1.ReadForUpdateAsync("x");
        Assert.Equal(0, (await t2.ReadForUpdateAsync("x"))![0]);   // no lock: it does not wait
        await t1.WriteAsync("x", [1]);
        await t1.CommitAsync();
        await t2.WriteAsync("x", [2]);
        var e = await Assert.ThrowsAsync<TransactionAbortedException>(() => t2.CommitAsync());
        Assert.Equal(AbortReason.WriteConflict, e.Reason);
    }
}
