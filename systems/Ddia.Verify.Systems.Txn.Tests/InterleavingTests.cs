using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Systems.Txn.Tests;

/// <summary>DDIA chapter 7's two-transaction examples, interleaved step by step, per isolation level.</summary>
public sealed class InterleavingTests
{
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(150);

    /// <summary>Two read-modify-write increments of a counter that both read 0 (DDIA fig. 7-1).</summary>
    private static async Task<(bool FirstCommitted, Exception? Second, long Final)> IncrementRaceAsync(Isolation isolation)
    {
        using var db = new TempStore(isolation);
        await db.SetAsync("counter", 0);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        var v1 = (await t1.ReadAsync("counter"))![0];
        var v2 = (await t2.ReadAsync("counter"))![0];
        await t1.WriteAsync("counter", [v1 + 1]);
        await t1.CommitAsync();
        Exception? second = null;
        try
        {
            await t2.WriteAsync("counter", [v2 + 1]);
            await t2.CommitAsync();
        }
        catch (TransactionAbortedException e) { second = e; }
        return (t1.IsCommitted, second, db.Store.ReadCommitted("counter")![0]);
    }

    [Fact]
    public async Task ReadCommitted_AllowsLostUpdate()
    {
        var (first, second, final) = await IncrementRaceAsync(Isolation.ReadCommitted);
        Assert.True(first);
        Assert.Null(second);
        Assert.Equal(1, final);   // two committed increments, one lost
    }

    [Fact]
    public async Task Snapshot_PreventsLostUpdate_SecondCommitterAborts()
    {
        var (first, second, final) = await IncrementRaceAsync(Isolation.Snapshot);
        Assert.True(first);
        Assert.Equal(AbortReason.WriteConflict, Assert.IsType<TransactionAbortedException>(second).Reason);
        Assert.Equal(1, final);
    }

    [Fact]
    public async Task Serializable_PreventsLostUpdate()
    {
        var (_, second, final) = await IncrementRaceAsync(Isolation.Serializable);
        Assert.NotNull(second);
        Assert.Equal(1, final);
    }

    /// <summary>Alice's two accounts hold 500 each; she reads one, a transfer of 100 commits, she reads the other
    /// (DDIA fig. 7-6). Returns the total she saw.</summary>
    private static async Task<long> ReadSkewAsync(Isolation isolation)
    {
        using var db = new TempStore(isolation);
        await db.SetAsync("x", 500);
        await db.SetAsync("y", 500);
        var reader = db.Store.Begin();
        var x = (await reader.ReadAsync("x"))![0];
        var transfer = await db.Store.ExecuteAsync([TxnOp.Write("x", [400]), TxnOp.Write("y", [600])]);
        Assert.True(transfer.Committed);
        var y = (await reader.ReadAsync("y"))![0];
        await reader.CommitAsync();
        return x + y;
    }

    [Fact]
    public async Task ReadCommitted_AllowsReadSkew() => Assert.Equal(1100, await ReadSkewAsync(Isolation.ReadCommitted));

    [Fact]
    public async Task Snapshot_PreventsReadSkew() => Assert.Equal(1000, await ReadSkewAsync(Isolation.Snapshot));

    [Fact]
    public async Task ReadCommitted_NoDirtyRead()
    {
        using var db = new TempStore(Isolation.ReadCommitted);
        await db.SetAsync("x", 1);
        var writer = db.Store.Begin();
        await writer.WriteAsync("x", [2]);
        Assert.Equal([2], await writer.ReadAsync("x"));            // own write visible to itself
        var reader = db.Store.Begin();
        Assert.Equal([1], await reader.ReadAsync("x"));            // not to others
        await writer.CommitAsync();
        Assert.Equal([2], await reader.ReadAsync("x"));            // RC: latest committed, at each read
        await reader.CommitAsync();
    }

    [Fact]
    public async Task ReadCommitted_NoDirtyWrite_SecondWriterWaitsForFirstToCommit()
    {
        // DDIA fig. 7-5: Alice and Bob buy the same car; listing and invoice must go to the same buyer.
        using var db = new TempStore(Isolation.ReadCommitted);
        var alice = db.Store.Begin();
        var bob = db.Store.Begin();
        await alice.WriteAsync("listing", [1]);
        var bobListing = bob.WriteAsync("listing", [2]);
        await Task.Delay(Blocked);
        Assert.False(bobListing.IsCompleted);                      // blocked on Alice's write lock
        await alice.WriteAsync("invoice", [1]);
        await alice.CommitAsync();
        await bobListing;
        await bob.WriteAsync("invoice", [2]);
        await bob.CommitAsync();
        Assert.Equal(db.Store.ReadCommitted("listing"), db.Store.ReadCommitted("invoice"));
    }

    [Fact]
    public async Task ReadCommitted_AppendAfterLock_LandsOnLatestCommitted()
    {
        using var db = new TempStore(Isolation.ReadCommitted);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        await t1.AppendAsync("k", 1);
        var t2Append = t2.AppendAsync("k", 2);
        await t1.CommitAsync();
        await t2Append;
        Assert.Equal([1, 2], await t2.ReadAsync("k"));             // its view of its own append = the final order
        await t2.CommitAsync();
        Assert.Equal([1, 2], db.Store.ReadCommitted("k"));
    }

    [Fact]
    public async Task ReadCommitted_WriteLockCycle_AbortsWithDeadlock()
    {
        using var db = new TempStore(Isolation.ReadCommitted);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        await t1.WriteAsync("x", [1]);
        await t2.WriteAsync("y", [2]);
        var t1y = t1.WriteAsync("y", [1]);
        var e = await Assert.ThrowsAsync<TransactionAbortedException>(() => t2.WriteAsync("x", [2]));
        Assert.Equal(AbortReason.Deadlock, e.Reason);
        await t1y;
        await t1.CommitAsync();
        Assert.Equal([1], db.Store.ReadCommitted("y"));
    }

    /// <summary>Alice and Bob are on call; each checks that the other still is and goes off call (DDIA fig. 7-8).
    /// Returns how many doctors remain on call and the aborts.</summary>
    private static async Task<(int OnCall, List<AbortReason> Aborts)> WriteSkewAsync(Isolation isolation)
    {
        using var db = new TempStore(isolation, lockWait: TimeSpan.FromSeconds(2));
        await db.SetAsync("alice", 1);
        await db.SetAsync("bob", 1);
        var aborts = new List<AbortReason>();
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();

        async Task<long> CountAsync(Transaction t) => (await t.ReadAsync("alice"))![0] + (await t.ReadAsync("bob"))![0];
        async Task GoOffCallAsync(Transaction t, string who, long onCall)
        {
            try
            {
                if (onCall >= 2) await t.WriteAsync(who, [0]);
                await t.CommitAsync();
            }
            catch (TransactionAbortedException e) { lock (aborts) aborts.Add(e.Reason); }
        }

        var c1 = await CountAsync(t1);
        var c2Task = CountAsync(t2);   // under Serial this waits for t1
        if (isolation == Isolation.Serial)
        {
            await Task.Delay(Blocked);
            Assert.False(c2Task.IsCompleted);
        }
        else
        {
            await c2Task;
        }
        var w1 = GoOffCallAsync(t1, "alice", c1);
        if (isolation == Isolation.Serial) await w1;
        var w2 = GoOffCallAsync(t2, "bob", await c2Task);
        await Task.WhenAll(w1, w2);
        return ((int)(db.Store.ReadCommitted("alice")![0] + db.Store.ReadCommitted("bob")![0]), aborts);
    }

    [Fact]
    public async Task Snapshot_AllowsWriteSkew()
    {
        var (onCall, aborts) = await WriteSkewAsync(Isolation.Snapshot);
        Assert.Empty(aborts);
        Assert.Equal(0, onCall);   // nobody on call: the invariant broke
    }

    [Fact]
    public async Task ReadCommitted_AllowsWriteSkew()
    {
        var (onCall, aborts) = await WriteSkewAsync(Isolation.ReadCommitted);
        Assert.Empty(aborts);
        Assert.Equal(0, onCall);
    }

    [Fact]
    public async Task Serializable_PreventsWriteSkew_WithSerializationFailure()
    {
        var (onCall, aborts) = await WriteSkewAsync(Isolation.Serializable);
        Assert.Equal(1, onCall);
        Assert.Equal([AbortReason.SerializationFailure], aborts);
    }

    [Fact]
    public async Task TwoPhaseLocking_PreventsWriteSkew_WithDeadlock()
    {
        var (onCall, aborts) = await WriteSkewAsync(Isolation.TwoPhaseLocking);
        Assert.Equal(1, onCall);
        Assert.Equal([AbortReason.Deadlock], aborts);
    }

    [Fact]
    public async Task Serial_PreventsWriteSkew_SecondWaitsAndSeesTheFirst()
    {
        var (onCall, aborts) = await WriteSkewAsync(Isolation.Serial);
        Assert.Empty(aborts);
        Assert.Equal(1, onCall);
    }

    [Fact]
    public async Task Serializable_ReadOnlyTransactionsNeverConflict()
    {
        using var db = new TempStore(Isolation.Serializable);
        await db.SetAsync("x", 1);
        var t1 = db.Store.Begin();
        var t2 = db.Store.Begin();
        await t1.ReadAsync("x");
        await t2.ReadAsync("x");
        await t1.CommitAsync();
        await t2.CommitAsync();
        Assert.True(t1.IsCommitted && t2.IsCommitted);
    }

    [Theory]
    [InlineData(Isolation.TwoPhaseLocking)]
    [InlineData(Isolation.ReadCommitted)]
    [InlineData(Isolation.Serial)]
    public async Task LockWait_TimesOutOnTheInjectedClock(Isolation isolation)
    {
        var clock = new ManualTimeProvider();
        using var db = new TempStore(isolation, lockWait: TimeSpan.FromSeconds(3), time: clock);
        var holder = db.Store.Begin();
        await holder.WriteAsync("x", [1]);
        var waiter = db.Store.Begin();
        var wait = waiter.WriteAsync("x", [2]);
        while (clock.PendingTimers == 0) await Task.Delay(1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(Blocked);
        Assert.False(wait.IsCompleted);                            // 2 s < 3 s: still waiting
        clock.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<TransactionAbortedException>(() => wait);
        Assert.Equal(AbortReason.LockTimeout, e.Reason);
        Assert.True(waiter.IsAborted);
        await holder.CommitAsync();
        Assert.Equal([1], db.Store.ReadCommitted("x"));
    }

    [Fact]
    public async Task TwoPhaseLocking_ReaderBlocksWriterUntilCommit()
    {
        using var db = new TempStore(Isolation.TwoPhaseLocking);
        await db.SetAsync("x", 1);
        var reader = db.Store.Begin();
        await reader.ReadAsync("x");
        var writer = db.Store.Begin();
        var write = writer.WriteAsync("x", [2]);
        await Task.Delay(Blocked);
        Assert.False(write.IsCompleted);
        Assert.Equal([1], await reader.ReadAsync("x"));
        await reader.CommitAsync();
        await write;
        await writer.CommitAsync();
        Assert.Equal([2], db.Store.ReadCommitted("x"));
    }

    [Fact]
    public async Task Execute_AbortIsAnOutcome_AndLeavesNothingVisible()
    {
        using var db = new TempStore(Isolation.Snapshot);
        var t = db.Store.Begin();
        await t.ReadAsync("x");
        await db.SetAsync("x", 9);
        await t.WriteAsync("x", [1]);
        await t.WriteAsync("y", [1]);
        var e = await Assert.ThrowsAsync<TransactionAbortedException>(() => t.CommitAsync());
        Assert.Equal(AbortReason.WriteConflict, e.Reason);
        Assert.Null(db.Store.ReadCommitted("y"));
        var outcome = await db.Store.ExecuteAsync([TxnOp.Append("y", 5), TxnOp.Read("y"), TxnOp.Read("x")]);
        Assert.True(outcome.Committed);
        Assert.Equal([5], outcome.Results[1]);
        Assert.Equal([9], outcome.Results[2]);
    }
}

public sealed class RetentionTests
{
    [Fact]
    public async Task OldVersionsAndSsiSets_AreKeptOnlyWhileAConcurrentTransactionNeedsThem()
    {
        using var db = new TempStore(Isolation.Serializable);
        await db.SetAsync("x", 0);
        var old = db.Store.Begin();
        await old.ReadAsync("y");
        for (var i = 1; i <= 10; i++) await db.SetAsync("x", i);
        Assert.Equal([0], await old.ReadAsync("x"));               // its snapshot still needs version 0
        var (versions, tracked) = db.Store.Retained("x");
        Assert.Equal(11, versions);
        Assert.Equal(10, tracked);                                  // concurrent with `old`: SSI keeps their sets
        await old.CommitAsync();
        await db.SetAsync("x", 11);
        // The new version and the one before it (collected lazily, at the next install): no more.
        Assert.Equal((2, 0), db.Store.Retained("x"));
    }
}
