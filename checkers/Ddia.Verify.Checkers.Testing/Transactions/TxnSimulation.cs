using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing.Transactions;

/// <summary>How the simulated database isolates transactions (see <see cref="TxnSimulator"/>).</summary>
public enum TxnIsolation
{
    /// <summary>Each txn executes atomically at one instant inside its interval: strict serializable.</summary>
    Serializable,
    /// <summary>Reads from a snapshot taken at the txn's start, first-committer-wins on written keys.</summary>
    SnapshotIsolation,
    /// <summary>Each read sees the latest committed state when it runs; write locks to commit, no conflict detection.</summary>
    ReadCommitted,
}


/// <summary>Settings of <see cref="TxnSimulator.Run"/>; the defaults make a 1,000-txn serializable list-append run.</summary>
public sealed record TxnSimulation
{
    public TxnIsolation Isolation { get; init; } = TxnIsolation.Serializable;
    public TxnWorkload Workload { get; init; } = TxnWorkload.ListAppend;
    /// <summary>Txns invoked in all; the history holds exactly twice as many events.</summary>
    public int Transactions { get; init; } = 1_000;
    /// <summary>Clients; at most this many txns are open at once.</summary>
    public int Processes { get; init; } = 10;
    public int MinMops { get; init; } = 1;
    public int MaxMops { get; init; } = 4;
    /// <summary>Keys in the active window (1..30); the i-th hottest is picked with probability 2^-(i+1).</summary>
    public int ActiveKeys { get; init; } = 10;
    /// <summary>Writes issued to a key before it retires and a fresh key joins the window's cold end.</summary>
    public int MaxWritesPerKey { get; init; } = 256;
    /// <summary>Fraction of micro-ops that are reads.</summary>
    public double ReadFraction { get; init; } = 0.5;
    /// <summary>Fraction of txns that complete info; each commits with probability 1/2.</summary>
    public double InfoRate { get; init; }
    /// <summary>Fraction of txns the database aborts up front: they do nothing and complete fail.</summary>
    public double FailRate { get; init; }
    public int Seed { get; init; }
}

/// <summary>A pair of txns, each named by the history position of its invocation (First &lt; Second).</summary>
public readonly record struct TxnPair(int First, int Second);

/// <summary>Two committed txns that read the same committed version of <see cref="Key"/> and both wrote it.</summary>
public readonly record struct LostUpdate(int First, int Second, Value Key);

/// <summary>A simulated history with what really happened inside the database.</summary>
public sealed class SimulatedHistory
{
    private readonly int[]? snapshots;

    internal SimulatedHistory(TxnSimulation settings, HistoryList history, IReadOnlyList<int> commitOrder, int[]? snapshots,
        IReadOnlyList<TxnPair> dangerousPairs, IReadOnlyList<LostUpdate> lostUpdates)
    {
        Settings = settings;
        History = history;
        CommitOrder = commitOrder;
        this.snapshots = snapshots;
        DangerousPairs = dangerousPairs;
        LostUpdates = lostUpdates;
    }

    public TxnSimulation Settings { get; }
    public HistoryList History { get; }

    /// <summary>
    /// The invocation positions of every txn whose writes took effect (ok ones and the info ones that
    /// committed), in the order they took effect. Serializable: replaying them one after another in this
    /// order reproduces every ok read. SI and RC: the order of commit instants, when writes were installed.
    /// </summary>
    public IReadOnlyList<int> CommitOrder { get; }

    /// <summary>
    /// SnapshotIsolation only: how many txns of <see cref="CommitOrder"/> the snapshot of the txn invoked
    /// at <paramref name="invokePosition"/> sees (the first that many), or -1 if it never took one (it was
    /// aborted up front, or was an info txn that did not run).
    /// </summary>
    public int SnapshotOf(int invokePosition) =>
        snapshots is null
            ? throw new InvalidOperationException("snapshots are recorded for SnapshotIsolation runs only")
            : snapshots[invokePosition];

    /// <summary>
    /// SnapshotIsolation only (empty otherwise): every pair of txns that both completed ok, were concurrent
    /// (neither's commit is in the other's snapshot), and have rw antidependencies both ways — First read
    /// some key that Second wrote, and Second read some key that First wrote, each without seeing the
    /// other's write. Such a pair is a write skew (a G2-item cycle of two); with first-committer-wins they
    /// write disjoint keys. Txns that ended info are left out, because their reads are not recorded.
    /// </summary>
    public IReadOnlyList<TxnPair> DangerousPairs { get; }

    /// <summary>
    /// ReadCommitted only (empty otherwise): pairs of txns that completed ok and both wrote a key after
    /// reading the same committed version of it: the version seen by each one's external read of the key
    /// (its first read of it, which comes before its first write to it). A version is what one commit
    /// installed, so for list-append both reads returned the same list, and for rw-register the same value.
    /// </summary>
    public IReadOnlyList<LostUpdate> LostUpdates { get; }
}
