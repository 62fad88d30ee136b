using System.Collections.Immutable;

namespace Ddia.Verify.Systems.Txn;

/// <summary>
/// One transaction of a <see cref="TxnStore"/>. Use it from one caller at a time (operations are sequential, like a
/// database session). Writes are buffered and become visible together when <see cref="CommitAsync"/> returns, which
/// is after the commit record is fsynced. Any operation may throw <see cref="TransactionAbortedException"/>: the store
/// aborted the transaction (conflict, deadlock, serialization failure, lock timeout) and it is finished.
/// Disposing an unfinished transaction aborts it.
/// </summary>
public sealed class Transaction : IDisposable
{
    private readonly TxnStore store;
    private readonly TxnState state;

    internal Transaction(TxnStore store, TxnState state)
    {
        this.store = store;
        this.state = state;
    }

    internal TxnState State => state;

    /// <summary>Begin order; a larger id is a younger transaction.</summary>
    public long Id => state.Id;

    /// <summary>The commit sequence number of the snapshot it reads (snapshot isolation and SSI).</summary>
    public long SnapshotSequence => state.StartSeq;

    public bool IsCommitted => state.Status == TxnStatus.Committed;

    public bool IsAborted => state.Status == TxnStatus.Aborted;

    /// <summary>The key's value as this transaction sees it (its own writes first); null when absent.</summary>
    public Task<IReadOnlyList<long>?> ReadAsync(string key, CancellationToken ct = default) => store.ReadAsync(state, key, forUpdate: false, ct);

    /// <summary>Reads the key and, under the lock-based levels (read committed, 2PL), takes its exclusive lock first, as
    /// SQL's SELECT … FOR UPDATE: a read-modify-write then cannot lose an update (read committed) or deadlock on a lock
    /// upgrade (2PL). Under snapshot isolation and SSI it is a plain read; their commit checks catch the conflict.</summary>
    public Task<IReadOnlyList<long>?> ReadForUpdateAsync(string key, CancellationToken ct = default) => store.ReadAsync(state, key, forUpdate: true, ct);

    /// <summary>Sets the key to <paramref name="list"/> (null deletes it).</summary>
    public Task WriteAsync(string key, IReadOnlyList<long>? list, CancellationToken ct = default) => store.WriteAsync(state, key, list, ct);

    /// <summary>Appends one element to the key's list (an absent key starts empty).</summary>
    public Task AppendAsync(string key, long element, CancellationToken ct = default) => store.AppendAsync(state, key, element, ct);

    /// <summary>Commits: validates (per isolation level), logs and fsyncs the writes, then makes them visible.</summary>
    public Task CommitAsync(CancellationToken ct = default) => store.CommitAsync(state, ct);

    /// <summary>Aborts by the caller's choice: nothing of it becomes visible. No-op when already finished, and when
    /// prepared (only <see cref="AbortPreparedAsync"/> may end a prepared transaction).</summary>
    public void Abort() => store.Abort(state);

    /// <summary>The global (two-phase commit) transaction id it was prepared under; null for a local transaction.</summary>
    public string? GlobalId => state.GlobalId;

    /// <summary>When it was prepared (or recovered in doubt), by <see cref="StoreOptions.TimeProvider"/>; null unless
    /// prepared.</summary>
    public DateTimeOffset? PreparedAt => state.PreparedAt;

    public bool IsPrepared => state.Status == TxnStatus.Prepared;

    /// <summary>The keys it writes (with its buffered values), e.g. to say what an in-doubt transaction blocks.</summary>
    public IReadOnlyCollection<string> WrittenKeys => store.WrittenKeys(state);

    /// <summary>Phase 1 of two-phase commit, as a participant: validates as a commit would, then appends a durable
    /// PREPARED record. From then on the transaction keeps all its locks, takes no more operations, and the store
    /// never aborts it (no lock timeout, no deadlock victim, survives a restart in doubt): only
    /// <see cref="CommitPreparedAsync"/> or <see cref="AbortPreparedAsync"/> end it.</summary>
    /// <exception cref="NotSupportedException">under snapshot isolation or SSI (see <see cref="TxnStore"/>).</exception>
    /// <exception cref="TransactionAbortedException">validation failed: the vote is no.</exception>
    public Task PrepareAsync(string globalId, CancellationToken ct = default) => store.PrepareAsync(state, globalId, ct);

    /// <summary>Phase 2, commit: logs (fsynced) a commit record naming the global id, installs the writes, releases the
    /// locks.</summary>
    public Task CommitPreparedAsync(CancellationToken ct = default) => store.CommitPreparedAsync(state, ct);

    /// <summary>Phase 2, abort: logs (fsynced) an abort record naming the global id, so recovery does not bring the
    /// transaction back in doubt, and releases the locks.</summary>
    public Task AbortPreparedAsync(CancellationToken ct = default) => store.AbortPreparedAsync(state, ct);

    public void Dispose() => Abort();
}

internal enum TxnStatus { Active, Prepared, Committing, Committed, Aborted }

internal enum LockMode { Shared, Exclusive }

/// <summary>A transaction's mutable state; guarded by the store's gate.</summary>
internal sealed class TxnState(long id, long startSeq)
{
    public long Id { get; } = id;
    public long StartSeq { get; } = startSeq;
    /// <summary>Commit sequence (or, read-only, one past the snapshot current at commit); MaxValue while running.
    /// Two transactions are concurrent when each started before the other ended.</summary>
    public long EndSeq { get; set; } = long.MaxValue;
    public TxnStatus Status { get; set; }
    public AbortReason? Reason { get; set; }
    public Dictionary<string, ImmutableList<long>?> Writes { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Reads { get; } = new(StringComparer.Ordinal);
    /// <summary>SSI: concurrent transactions with an rw-edge into this one (they read what it overwrote).</summary>
    public HashSet<TxnState> InConflicts { get; } = [];
    /// <summary>SSI: concurrent transactions this one has an rw-edge out to (it read what they overwrote).</summary>
    public HashSet<TxnState> OutConflicts { get; } = [];
    // An aborted partner's edge no longer exists, so it does not count (fewer false positives than bare flags).
    public bool InConflict => InConflicts.Any(x => x.Status != TxnStatus.Aborted);
    public bool OutConflict => OutConflicts.Any(x => x.Status != TxnStatus.Aborted);
    /// <summary>SSI: an rw-edge out to a transaction that has already committed (or is committing), i.e. that commits
    /// before this one: only then can this one be the pivot of a dangerous structure.</summary>
    public bool OutConflictCommittedFirst => OutConflicts.Any(x => x.Status is TxnStatus.Committed or TxnStatus.Committing);
    public Dictionary<string, LockMode> Locks { get; } = new(StringComparer.Ordinal);
    public LockWaiter? Waiting { get; set; }
    public bool HoldsSerial { get; set; }
    public string? GlobalId { get; set; }
    public DateTimeOffset? PreparedAt { get; set; }
}

internal sealed class LockWaiter(TxnState txn, string key, LockMode mode)
{
    public TxnState Txn { get; } = txn;
    public string Key { get; } = key;
    public LockMode Mode { get; } = mode;
    public bool Granted { get; set; }
    public TaskCompletionSource<bool> Signal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
