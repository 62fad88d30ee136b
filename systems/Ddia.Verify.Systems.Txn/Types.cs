using System.Collections.Immutable;

namespace Ddia.Verify.Systems.Txn;

/// <summary>The isolation levels of DDIA chapter 7, weakest first. In every level writes are buffered in the
/// transaction and installed together at commit (so there are never dirty reads), and a commit is durable when it
/// returns.</summary>
public enum Isolation
{
    /// <summary>Each read sees the latest committed version at that moment (or the transaction's own write). No dirty
    /// writes: the first write of a key takes its exclusive lock, held to commit/abort (waits-for cycles abort the
    /// requester with <see cref="AbortReason.Deadlock"/>); an append is applied to the latest committed list after the
    /// lock is taken. Reads take no locks, so lost updates (read, then write), read skew and write skew remain.</summary>
    ReadCommitted,

    /// <summary>Reads see the snapshot of everything committed at Begin, plus own writes. At commit, first committer
    /// wins: if any key it writes has a committed version newer than its snapshot it aborts with
    /// <see cref="AbortReason.WriteConflict"/>. No lost updates or read skew; write skew remains.</summary>
    Snapshot,

    /// <summary>Serializable snapshot isolation (Cahill/Fekete): <see cref="Snapshot"/> plus tracking of
    /// rw-antidependencies between concurrent transactions; a transaction with both an incoming and an outgoing one
    /// (a pivot) aborts with <see cref="AbortReason.SerializationFailure"/>. May abort more than needed, never less.
    /// </summary>
    Serializable,

    /// <summary>Strict two-phase locking: a shared lock to read, an exclusive lock to write (upgrading a shared one),
    /// all held to commit/abort; reads see the latest committed version. Deadlocks abort the requester
    /// (<see cref="AbortReason.Deadlock"/>), long waits time out (<see cref="AbortReason.LockTimeout"/>).</summary>
    TwoPhaseLocking,

    /// <summary>Literally one transaction at a time: its first operation takes a store-wide FIFO mutex, released at
    /// commit/abort.</summary>
    Serial,
}

/// <summary>Why the store aborted a transaction.</summary>
public enum AbortReason
{
    /// <summary>Snapshot isolation: a key it wrote got a newer committed version after its snapshot (first committer
    /// wins).</summary>
    WriteConflict,
    /// <summary>Its lock wait would close a cycle in the waits-for graph.</summary>
    Deadlock,
    /// <summary>SSI: it would be (or meet) the pivot of a dangerous structure of rw-antidependencies.</summary>
    SerializationFailure,
    /// <summary>A lock (or, under <see cref="Isolation.Serial"/>, the store) stayed busy longer than
    /// <see cref="StoreOptions.LockWaitTimeout"/>.</summary>
    LockTimeout,
    /// <summary>The caller cancelled an operation; the transaction cannot continue half-done.</summary>
    Cancelled,
    /// <summary>The store was disposed while the transaction ran.</summary>
    StoreClosed,
}

/// <summary>Settings of a <see cref="TxnStore"/>.</summary>
public sealed record StoreOptions
{
    public Isolation Isolation { get; init; } = Isolation.Serializable;

    /// <summary>Fsync the commit record before a commit returns. Off only for throughput experiments: a crash then
    /// may lose acknowledged commits.</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>How long an operation waits for a lock before its transaction aborts with
    /// <see cref="AbortReason.LockTimeout"/>.</summary>
    public TimeSpan LockWaitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Compact the log (rewrite it as the latest values) once it is larger than this and than twice its size
    /// after the last compaction; 0 never compacts on its own (<see cref="TxnStore.CompactAsync"/> still does).</summary>
    public long CompactAfterBytes { get; init; } = 64L << 20;

    /// <summary>The clock of lock-wait timeouts (STYLE.md G18).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>The store aborted the transaction: nothing of it is or will become visible, and it accepts no more
/// operations.</summary>
public sealed class TransactionAbortedException : Exception
{
    public TransactionAbortedException() : this(AbortReason.StoreClosed) { }

    public TransactionAbortedException(string message) : base(message) { }

    public TransactionAbortedException(string message, Exception inner) : base(message, inner) { }

    public TransactionAbortedException(AbortReason reason, string? detail = null)
        : base(detail is null ? $"transaction aborted: {reason}" : $"transaction aborted: {reason} ({detail})") => Reason = reason;

    public AbortReason Reason { get; }
}

public enum TxnOpKind { Read, Write, Append }

/// <summary>One operation of <see cref="TxnStore.ExecuteAsync"/>: read a key, write a whole list (null deletes), or
/// append one element.</summary>
public sealed record TxnOp(TxnOpKind Kind, string Key, IReadOnlyList<long>? List = null, long Element = 0)
{
    /// <summary>A read that takes the key's write lock (SQL's SELECT … FOR UPDATE); see
    /// <see cref="Transaction.ReadForUpdateAsync"/>.</summary>
    public bool ForUpdate { get; init; }

    public static TxnOp Read(string key, bool forUpdate = false) => new(TxnOpKind.Read, key) { ForUpdate = forUpdate };
    public static TxnOp Write(string key, IReadOnlyList<long>? list) => new(TxnOpKind.Write, key, list);
    public static TxnOp Append(string key, long element) => new(TxnOpKind.Append, key, Element: element);
}

/// <summary>How <see cref="TxnStore.ExecuteAsync"/> ended. <see cref="Results"/> has one entry per op: the value a read
/// returned (null when absent), null for writes. When aborted, <see cref="Reason"/> says why and the results are only
/// what the transaction saw before it aborted (they were never part of a committed transaction).</summary>
public sealed record TxnOutcome(bool Committed, IReadOnlyList<IReadOnlyList<long>?> Results, AbortReason? Reason);

/// <summary>What <see cref="TxnStore.Open"/> found in the log: the commit records it replayed, the bytes of a torn
/// tail it cut off (a commit that never returned), and the last commit sequence number.</summary>
public sealed record RecoverySummary(int RecordsReplayed, long BytesDropped, long LastCommitSequence);

/// <summary>What the store knows of a global (two-phase commit) transaction, by its global id.</summary>
public enum GlobalOutcome
{
    /// <summary>Never prepared here, or finished before the log was compacted.</summary>
    Unknown,
    /// <summary>Prepared and not yet decided: in doubt.</summary>
    Prepared,
    Committed,
    Aborted,
}

internal enum RecordKind : byte
{
    /// <summary>A committed transaction's writes (GlobalId set when it was a prepared one).</summary>
    Commit = 1,
    /// <summary>A prepared transaction's writes: it holds its locks until a Commit or Abort record names it.</summary>
    Prepare = 2,
    /// <summary>A prepared transaction was aborted (no writes).</summary>
    Abort = 3,
}

/// <summary>One log record. Only commits carry a sequence number (0 otherwise).</summary>
internal readonly record struct CommitRecord(long Sequence, IReadOnlyList<KeyValuePair<string, ImmutableList<long>?>> Writes,
    RecordKind Kind = RecordKind.Commit, string? GlobalId = null);
