namespace Ddia.Verify.Systems.Txn;

/// <summary>
/// The participant's side of two-phase commit (DDIA ch. 9): prepare, then commit or abort the prepared transaction,
/// and prepared transactions that come back in doubt after a restart. Only for the lock-based levels
/// (read-committed, 2PL, serial): a prepared transaction is then simply one that keeps its locks (and the serial
/// mutex) until the coordinator's decision arrives, and strict two-phase locking on every partition keeps the global
/// transaction isolated. Snapshot isolation and SSI validate against a snapshot of this one store: a global
/// transaction would need a snapshot that is consistent across all partitions (a global commit order), which a
/// per-partition prepare cannot give, so <see cref="Transaction.PrepareAsync"/> refuses them.
/// </summary>
public sealed partial class TxnStore
{
    // Guarded by gate. Global id → the prepared transaction (this run's and those recovered in doubt).
    private readonly Dictionary<string, TxnState> prepared = new(StringComparer.Ordinal);
    // Guarded by gate. What this run and the replayed log say of every global id seen; compaction forgets finished ones.
    private readonly Dictionary<string, GlobalOutcome> outcomes;

    /// <summary>Every prepared transaction still waiting for its decision: prepared in this run, or recovered in doubt
    /// by <see cref="Open"/> (holding exclusive locks on the keys it writes).</summary>
    public IReadOnlyCollection<Transaction> InDoubt
    {
        get
        {
            lock (gate) return [.. prepared.Values.Select(t => new Transaction(this, t))];
        }
    }

    /// <summary>The prepared transaction with this global id, or null when none is waiting for its decision.</summary>
    public Transaction? FindPrepared(string globalId)
    {
        lock (gate) return prepared.TryGetValue(globalId, out var t) ? new Transaction(this, t) : null;
    }

    /// <summary>What this store knows of a global transaction, from this run and the replayed log.</summary>
    public GlobalOutcome Outcome(string globalId)
    {
        lock (gate) return outcomes.TryGetValue(globalId, out var o) ? o : GlobalOutcome.Unknown;
    }

    internal IReadOnlyCollection<string> WrittenKeys(TxnState t)
    {
        lock (gate) return [.. t.Writes.Keys];
    }

    internal async Task PrepareAsync(TxnState t, string globalId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(globalId);
        if (Isolation is Isolation.Snapshot or Isolation.Serializable)
            throw new NotSupportedException($"prepare needs a lock-based isolation level; snapshots are per partition ({Isolation})");
        await commitMutex.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            List<TaskCompletionSource<bool>> wake = [];
            TransactionAbortedException? failure;
            KeyValuePair<string, System.Collections.Immutable.ImmutableList<long>?>[] writes;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                ThrowIfFinished(t);
                if (logFailed) throw new InvalidOperationException("an earlier log write failed; reopen the store");
                if (outcomes.ContainsKey(globalId)) throw new InvalidOperationException($"global transaction {globalId} was already prepared here");
                failure = Validate(t, wake);
                if (failure is null)
                {
                    // From here the store never aborts it: Abort, lock timeouts and sweeps only touch Active ones.
                    t.Status = TxnStatus.Prepared;
                    t.GlobalId = globalId;
                    prepared[globalId] = t;
                    outcomes[globalId] = GlobalOutcome.Prepared;
                }
                writes = [.. t.Writes];
            }
            if (failure is not null)
            {
                Wake(wake);
                throw failure;
            }
            try
            {
                log.Append(new CommitRecord(0, writes, RecordKind.Prepare, globalId));
            }
            catch
            {
                // Perhaps on disk: then a reopen brings it back in doubt, and the coordinator, which saw no yes vote,
                // answers abort. Until then the store takes no more log writes.
                lock (gate)
                {
                    logFailed = true;
                    prepared.Remove(globalId);
                    AbortLocked(t, null, wake);
                }
                Wake(wake);
                throw;
            }
            lock (gate) t.PreparedAt = Options.TimeProvider.GetUtcNow();
        }
        finally
        {
            commitMutex.Release();
        }
    }

    internal async Task CommitPreparedAsync(TxnState t, CancellationToken ct)
    {
        await commitMutex.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            long sequence;
            string globalId;
            KeyValuePair<string, System.Collections.Immutable.ImmutableList<long>?>[] writes;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                ThrowIfNotPrepared(t);
                sequence = published + 1;
                globalId = t.GlobalId!;
                t.Status = TxnStatus.Committing;
                t.EndSeq = sequence;
                writes = [.. t.Writes];
            }
            try
            {
                log.Append(new CommitRecord(sequence, writes, RecordKind.Commit, globalId));
            }
            catch
            {
                // Unknown whether the commit record is on disk: stay prepared (locks held); a reopen tells.
                lock (gate)
                {
                    logFailed = true;
                    t.Status = TxnStatus.Prepared;
                    t.EndSeq = long.MaxValue;
                }
                throw;
            }
            List<TaskCompletionSource<bool>> wake = [];
            lock (gate)
            {
                foreach (var (key, value) in writes) Install(key, sequence, value);
                published = sequence;
                prepared.Remove(globalId);
                outcomes[globalId] = GlobalOutcome.Committed;
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

    internal async Task AbortPreparedAsync(TxnState t, CancellationToken ct)
    {
        await commitMutex.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            string globalId;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                ThrowIfNotPrepared(t);
                globalId = t.GlobalId!;
            }
            try
            {
                // Durable, or a restart would bring it back in doubt (and a heuristic might then commit it).
                log.Append(new CommitRecord(0, [], RecordKind.Abort, globalId));
            }
            catch
            {
                lock (gate) logFailed = true;
                throw;
            }
            List<TaskCompletionSource<bool>> wake = [];
            lock (gate)
            {
                prepared.Remove(globalId);
                outcomes[globalId] = GlobalOutcome.Aborted;
                AbortLocked(t, null, wake);
            }
            Wake(wake);
        }
        finally
        {
            commitMutex.Release();
        }
    }

    private void ThrowIfNotPrepared(TxnState t)
    {
        if (t.Status != TxnStatus.Prepared) throw new InvalidOperationException($"transaction {t.Id} is {t.Status}, not prepared");
        if (logFailed) throw new InvalidOperationException("an earlier log write failed; reopen the store");
    }

    /// <summary>Under gate: the PREPARED records compaction must keep.</summary>
    private List<CommitRecord> PreparedRecordsLocked() =>
        [.. prepared.Values.Select(t => new CommitRecord(0, [.. t.Writes], RecordKind.Prepare, t.GlobalId))];

    /// <summary>From the constructor: a transaction in doubt again holds exclusive locks on what it writes (and, under
    /// serial, the store's mutex), so nothing reads or overwrites those keys until the decision arrives.</summary>
    private void RestorePrepared(CommitRecord record)
    {
        var t = new TxnState(++nextId, published)
        {
            Status = TxnStatus.Prepared,
            GlobalId = record.GlobalId,
            PreparedAt = Options.TimeProvider.GetUtcNow(),
        };
        foreach (var (key, value) in record.Writes)
        {
            t.Writes[key] = value;
            if (!locks.TryGetValue(key, out var entry)) locks[key] = entry = new LockEntry();
            Grant(entry, t, key, LockMode.Exclusive);
        }
        // Serial held the mutex from the first operation to the decision, so at most one can be in doubt.
        if (Isolation == Isolation.Serial && serialOwner is null)
        {
            serialOwner = t;
            t.HoldsSerial = true;
        }
        active.Add(t);
        prepared[record.GlobalId!] = t;
    }
}
