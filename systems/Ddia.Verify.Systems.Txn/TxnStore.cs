using System.Collections.Immutable;

namespace Ddia.Verify.Systems.Txn;

/// <summary>
/// A multi-version transactional key-value store (DDIA ch. 7) whose isolation level is a setting
/// (<see cref="StoreOptions.Isolation"/>). Keys are strings; a value is an immutable list of longs (null = absent).
/// Every committed version is stamped with a commit sequence number; a snapshot is "all versions up to sequence s".
/// Writes are buffered in the transaction and installed together at commit, after the commit record is fsynced to
/// the write-ahead log, so a returned commit is durable and an aborted transaction leaves no trace.
/// <para>
/// Thread-safe: all shared state is guarded by one monitor; lock waits and the serial mutex wait asynchronously.
/// Commits of writing transactions are serialized by a commit mutex (validate → log + fsync → install), which keeps
/// the log in commit order and makes validation and install atomic with respect to other commits.
/// </para>
/// </summary>
public sealed partial class TxnStore : IDisposable
{
    private readonly System.Threading.Lock gate = new();
    private readonly SemaphoreSlim commitMutex = new(1, 1);
    private readonly Dictionary<string, List<(long Seq, ImmutableList<long>? Value)>> versions = new(StringComparer.Ordinal);
    private readonly HashSet<TxnState> active = [];
    // SSI: committed transactions whose read/write sets may still meet a concurrent active transaction.
    private readonly List<TxnState> recentlyCommitted = [];
    private readonly WriteAheadLog log;
    private long published;   // the highest installed commit sequence: the snapshot a Begin takes
    private long nextId;
    private long compactedLength;
    private bool logFailed;
    private bool disposed;

    private TxnStore(StoreOptions options, WriteAheadLog log, RecoverySummary recovery, Dictionary<string, List<(long, ImmutableList<long>?)>> state,
        Dictionary<string, GlobalOutcome> outcomes, IEnumerable<CommitRecord> inDoubt)
    {
        Options = options;
        this.log = log;
        Recovery = recovery;
        versions = state;
        published = recovery.LastCommitSequence;
        this.outcomes = outcomes;
        foreach (var p in inDoubt) RestorePrepared(p);
    }

    public StoreOptions Options { get; }

    public Isolation Isolation => Options.Isolation;

    /// <summary>What <see cref="Open"/> replayed and dropped.</summary>
    public RecoverySummary Recovery { get; }

    /// <summary>Opens (creating if needed) the store in <paramref name="directory"/>, replaying its log.</summary>
    public static TxnStore Open(string directory, StoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new StoreOptions();
        var state = new Dictionary<string, List<(long, ImmutableList<long>?)>>(StringComparer.Ordinal);
        var outcomes = new Dictionary<string, GlobalOutcome>(StringComparer.Ordinal);
        // Insertion-ordered by global id: a PREPARED record without a later commit or abort comes back in doubt.
        var inDoubt = new Dictionary<string, CommitRecord>(StringComparer.Ordinal);
        var log = WriteAheadLog.Open(directory, options.Fsync, record =>
        {
            switch (record.Kind)
            {
                case RecordKind.Prepare:
                    inDoubt[record.GlobalId!] = record;
                    outcomes[record.GlobalId!] = GlobalOutcome.Prepared;
                    break;
                case RecordKind.Abort:
                    inDoubt.Remove(record.GlobalId!);
                    outcomes[record.GlobalId!] = GlobalOutcome.Aborted;
                    break;
                default:
                    foreach (var (key, value) in record.Writes) state[key] = [(record.Sequence, value)];
                    if (record.GlobalId is { } committed)
                    {
                        inDoubt.Remove(committed);
                        outcomes[committed] = GlobalOutcome.Committed;
                    }
                    break;
            }
        }, out var summary);
        return new TxnStore(options, log, summary, state, outcomes, inDoubt.Values);
    }

    /// <summary>Starts a transaction. Under snapshot isolation and SSI its snapshot is everything committed now.</summary>
    public Transaction Begin()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var t = new TxnState(++nextId, published);
            active.Add(t);
            return new Transaction(this, t);
        }
    }

    /// <summary>Runs <paramref name="ops"/> as one transaction and commits it. An abort by the store is an outcome, not
    /// an exception, and is never retried (the caller decides).</summary>
    public async Task<TxnOutcome> ExecuteAsync(IReadOnlyList<TxnOp> ops, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        using var txn = Begin();
        var results = new List<IReadOnlyList<long>?>(ops.Count);
        try
        {
            foreach (var op in ops)
            {
                switch (op.Kind)
                {
                    case TxnOpKind.Read: results.Add(await ReadAsync(txn.State, op.Key, op.ForUpdate, ct).ConfigureAwait(false)); break;
                    case TxnOpKind.Write: await txn.WriteAsync(op.Key, op.List, ct).ConfigureAwait(false); results.Add(null); break;
                    default: await txn.AppendAsync(op.Key, op.Element, ct).ConfigureAwait(false); results.Add(null); break;
                }
            }
            await txn.CommitAsync(ct).ConfigureAwait(false);
            return new TxnOutcome(true, results, null);
        }
        catch (TransactionAbortedException e)
        {
            return new TxnOutcome(false, results, e.Reason);
        }
    }

    /// <summary>The latest committed value of <paramref name="key"/>, outside any transaction (for tests and tools).</summary>
    public IReadOnlyList<long>? ReadCommitted(string key)
    {
        lock (gate) return Latest(key);
    }

    /// <summary>For tests: how many versions of the key are kept, and how many committed transactions SSI tracks.</summary>
    internal (int Versions, int TrackedCommitted) Retained(string key)
    {
        lock (gate) return (versions.TryGetValue(key, out var chain) ? chain.Count : 0, recentlyCommitted.Count);
    }

    public void Dispose()
    {
        List<TaskCompletionSource<bool>> wake = [];
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            // A committing transaction is already logged; let it finish installing.
            foreach (var t in active.Where(a => a.Status == TxnStatus.Active).ToList()) AbortLocked(t, AbortReason.StoreClosed, wake);
        }
        Wake(wake);
        // Wait for an in-flight commit's log write before closing the file.
        commitMutex.Wait();
        log.Dispose();
        commitMutex.Dispose();
    }

    // ---- operations (called by Transaction) ----

    internal async Task<IReadOnlyList<long>?> ReadAsync(TxnState t, string key, bool forUpdate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        await BeforeOperationAsync(t, ct).ConfigureAwait(false);
        if (forUpdate && Isolation is Isolation.ReadCommitted or Isolation.TwoPhaseLocking)
            await AcquireAsync(t, key, LockMode.Exclusive, ct).ConfigureAwait(false);
        else if (Isolation == Isolation.TwoPhaseLocking)
            await AcquireAsync(t, key, LockMode.Shared, ct).ConfigureAwait(false);
        List<TaskCompletionSource<bool>> wake = [];
        TransactionAbortedException? failure;
        lock (gate)
        {
            ThrowIfFinished(t);
            if (t.Writes.TryGetValue(key, out var own)) return own;
            switch (Isolation)
            {
                case Isolation.Snapshot:
                    return AsOf(key, t.StartSeq);
                case Isolation.Serializable:
                    var seen = AsOf(key, t.StartSeq);
                    t.Reads.Add(key);
                    failure = OnSsiRead(t, key, wake);
                    if (failure is null) return seen;
                    break;
                default:
                    // RC, 2PL (under the shared lock) and Serial read the latest committed version.
                    return Latest(key);
            }
        }
        Wake(wake);
        throw failure;
    }

    internal Task WriteAsync(TxnState t, string key, IReadOnlyList<long>? list, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        var value = list is null ? null : list as ImmutableList<long> ?? [.. list];
        return PutAsync(t, key, _ => value, ct);
    }

    internal Task AppendAsync(TxnState t, string key, long element, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        return PutAsync(t, key, current => (current ?? []).Add(element), ct);
    }

    /// <summary>Buffers a write whose value is computed from the transaction's current view of the key, taken after
    /// any write lock: under RC and 2PL that view is the latest committed list (no other writer can change it until we
    /// finish), so an append lands on exactly what will be installed.</summary>
    private async Task PutAsync(TxnState t, string key, Func<ImmutableList<long>?, ImmutableList<long>?> compute, CancellationToken ct)
    {
        await BeforeOperationAsync(t, ct).ConfigureAwait(false);
        if (Isolation is Isolation.ReadCommitted or Isolation.TwoPhaseLocking)
            await AcquireAsync(t, key, LockMode.Exclusive, ct).ConfigureAwait(false);
        List<TaskCompletionSource<bool>> wake = [];
        TransactionAbortedException? failure = null;
        lock (gate)
        {
            ThrowIfFinished(t);
            var current = t.Writes.TryGetValue(key, out var own) ? own
                : Isolation is Isolation.Snapshot or Isolation.Serializable ? AsOf(key, t.StartSeq) : Latest(key);
            t.Writes[key] = compute(current);
            if (Isolation == Isolation.Serializable) failure = OnSsiWrite(t, key, wake);
        }
        Wake(wake);
        if (failure is not null) throw failure;
    }

    internal async Task CommitAsync(TxnState t, CancellationToken ct)
    {
        List<TaskCompletionSource<bool>> wake = [];
        TransactionAbortedException? failure = null;
        if (t.Writes.Count == 0)
        {
            // Read-only: nothing to log or install; only SSI has something to check.
            lock (gate)
            {
                ThrowIfFinished(t);
                if (Isolation == Isolation.Serializable && t.InConflict && t.OutConflictCommittedFirst)
                    failure = Fail(t, AbortReason.SerializationFailure, "read-only pivot", wake);
                else
                    FinishLocked(t, published + 1, wake);
            }
            Wake(wake);
            if (failure is not null) throw failure;
            return;
        }

        await commitMutex.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            long sequence;
            KeyValuePair<string, ImmutableList<long>?>[] writes;
            lock (gate)
            {
                ThrowIfFinished(t);
                if (logFailed) throw new InvalidOperationException("an earlier log write failed; reopen the store");
                failure = Validate(t, wake);
                if (failure is null)
                {
                    // Not yet visible: Begin still snapshots `published`, which is below this sequence.
                    sequence = published + 1;
                    t.Status = TxnStatus.Committing;
                    t.EndSeq = sequence;
                }
                else sequence = 0;
                writes = [.. t.Writes];
            }
            if (failure is not null)
            {
                Wake(wake);
                throw failure;
            }

            // Durable before visible, and before we return.
            try
            {
                log.Append(new CommitRecord(sequence, writes));
            }
            catch
            {
                // The record may or may not be on disk: the outcome is unknown, so the caller gets the exception (not an
                // abort), and the store takes no more commits: only a reopen can tell what the log holds.
                lock (gate)
                {
                    logFailed = true;
                    t.Status = TxnStatus.Aborted;
                    End(t, wake);
                }
                Wake(wake);
                throw;
            }

            lock (gate)
            {
                foreach (var (key, value) in writes) Install(key, sequence, value);
                published = sequence;
                FinishLocked(t, sequence, wake);
            }
            Wake(wake);
            MaybeCompactLocked();
        }
        finally
        {
            commitMutex.Release();
        }
    }

    /// <summary>Under the commit mutex, after a commit: compacts once the log has grown past the thresholds.</summary>
    private void MaybeCompactLocked()
    {
        if (Options.CompactAfterBytes > 0 && log.Length > Options.CompactAfterBytes && log.Length > 2 * compactedLength)
        {
            try
            {
                CompactLocked();
            }
            catch (IOException)
            {
                // The commit is durable and the old log intact; try again once the log has doubled.
                compactedLength = log.Length;
            }
        }
    }

    /// <summary>Rewrites the log as one record of the latest committed values (see <see cref="StoreOptions.CompactAfterBytes"/>).
    /// Commits wait meanwhile; reads and running transactions do not.</summary>
    public async Task CompactAsync(CancellationToken ct = default)
    {
        await commitMutex.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            CompactLocked();
        }
        finally
        {
            commitMutex.Release();
        }
    }

    /// <summary>Under the commit mutex, so no commit is between log and install.</summary>
    private void CompactLocked()
    {
        CommitRecord state;
        List<CommitRecord> stillPrepared;
        lock (gate)
        {
            state = new CommitRecord(published, [.. versions
                .Where(kv => kv.Value[^1].Value is not null)
                .Select(kv => new KeyValuePair<string, ImmutableList<long>?>(kv.Key, kv.Value[^1].Value))]);
            stillPrepared = PreparedRecordsLocked();
        }
        log.Compact(state, stillPrepared);
        compactedLength = log.Length;
    }

    internal void Abort(TxnState t)
    {
        List<TaskCompletionSource<bool>> wake = [];
        lock (gate)
        {
            if (t.Status is TxnStatus.Active) AbortLocked(t, null, wake);
        }
        Wake(wake);
    }

    // ---- helpers (under gate unless named Async) ----

    private TransactionAbortedException? Validate(TxnState t, List<TaskCompletionSource<bool>> wake)
    {
        if (Isolation is Isolation.Snapshot or Isolation.Serializable)
        {
            // First committer wins: someone committed a newer version of a key we write since our snapshot.
            foreach (var key in t.Writes.Keys)
            {
                if (versions.TryGetValue(key, out var chain) && chain[^1].Seq > t.StartSeq)
                    return Fail(t, AbortReason.WriteConflict, $"key {key} changed since snapshot {t.StartSeq}", wake);
            }
        }
        if (Isolation == Isolation.Serializable && t.InConflict && t.OutConflictCommittedFirst)
            return Fail(t, AbortReason.SerializationFailure, "pivot at commit", wake);
        return null;
    }

    private void Install(string key, long sequence, ImmutableList<long>? value)
    {
        if (!versions.TryGetValue(key, out var chain)) versions[key] = chain = [];
        chain.Add((sequence, value));
        // Old versions nobody can read any more: keep the newest one at or below the oldest active snapshot.
        var horizon = OldestSnapshot();
        var keepFrom = 0;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i].Seq <= horizon) { keepFrom = i; break; }
        }
        if (keepFrom > 0) chain.RemoveRange(0, keepFrom);
    }

    private long OldestSnapshot()
    {
        var oldest = published;
        foreach (var a in active) if (a.StartSeq < oldest) oldest = a.StartSeq;
        return oldest;
    }

    private ImmutableList<long>? Latest(string key) => versions.TryGetValue(key, out var chain) ? chain[^1].Value : null;

    private ImmutableList<long>? AsOf(string key, long snapshot)
    {
        if (!versions.TryGetValue(key, out var chain)) return null;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i].Seq <= snapshot) return chain[i].Value;
        }
        return null;
    }

    private static void ThrowIfFinished(TxnState t)
    {
        switch (t.Status)
        {
            case TxnStatus.Active: return;
            case TxnStatus.Aborted when t.Reason is { } reason: throw new TransactionAbortedException(reason, "already aborted");
            default: throw new InvalidOperationException($"transaction {t.Id} is {t.Status}");
        }
    }

    private TransactionAbortedException Fail(TxnState t, AbortReason reason, string detail, List<TaskCompletionSource<bool>> wake)
    {
        AbortLocked(t, reason, wake);
        return new TransactionAbortedException(reason, detail);
    }

    private void AbortLocked(TxnState t, AbortReason? reason, List<TaskCompletionSource<bool>> wake)
    {
        t.Status = TxnStatus.Aborted;
        t.Reason = reason;
        Forget(t);   // an aborted transaction's edges no longer exist
        End(t, wake);
    }

    private void FinishLocked(TxnState t, long endSeq, List<TaskCompletionSource<bool>> wake)
    {
        t.Status = TxnStatus.Committed;
        t.EndSeq = endSeq;
        if (Isolation == Isolation.Serializable) recentlyCommitted.Add(t);
        End(t, wake);
    }

    private void End(TxnState t, List<TaskCompletionSource<bool>> wake)
    {
        active.Remove(t);
        ReleaseLocks(t, wake);
        ReleaseSerial(t, wake);
        if (Isolation == Isolation.Serializable) PruneCommitted();
    }

    private static void Wake(List<TaskCompletionSource<bool>> wake)
    {
        foreach (var w in wake) w.TrySetResult(true);
    }
}
