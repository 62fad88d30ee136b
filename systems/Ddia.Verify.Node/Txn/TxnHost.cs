using System.Collections.Concurrent;
using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Node.Txn;

/// <summary>
/// The transactional store of <c>--system txn</c> and the interactive transactions clients have open
/// on it, by number. A transaction nobody touches for <see cref="IdleTimeout"/> is aborted, so a
/// client that vanished (killed, partitioned) cannot hold locks forever.
/// </summary>
internal sealed class TxnHost : IDisposable
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<long, Open> open = new();
    private readonly Timer sweeper;
    private long next;

    private sealed class Open(Transaction transaction)
    {
        public Transaction Transaction { get; } = transaction;
        public long LastUse { get; set; } = Environment.TickCount64;
    }

    public TxnHost(string directory, Isolation isolation)
    {
        Isolation = isolation;
        Store = TxnStore.Open(directory, new StoreOptions { Isolation = isolation });
        sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public TxnStore Store { get; }
    public Isolation Isolation { get; }

    public int OpenCount => open.Count;

    public long Begin()
    {
        var id = Interlocked.Increment(ref next);
        open[id] = new Open(Store.Begin());
        return id;
    }

    /// <summary>The open transaction, or null when it ended (committed, aborted, expired, or from before a restart).</summary>
    public Transaction? Find(long id)
    {
        if (!open.TryGetValue(id, out var o)) return null;
        o.LastUse = Environment.TickCount64;
        return o.Transaction;
    }

    /// <summary>Forgets a transaction that ended; aborts it if it had not.</summary>
    public void End(long id)
    {
        if (open.TryRemove(id, out var o)) o.Transaction.Abort();
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (id, o) in open)
            if (now - o.LastUse > IdleTimeout.TotalMilliseconds) End(id);
    }

    public void Dispose()
    {
        sweeper.Dispose();
        foreach (var id in open.Keys) End(id);
        Store.Dispose();
    }
}
