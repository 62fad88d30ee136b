using System.Collections.Immutable;

namespace Ddia.Verify.Harness.Compose;

/// <summary>
/// Everything <c>ddia-verify run</c> takes, as one immutable record (the CLI's flags, a campaign's rows):
/// <see cref="TestComposer"/> turns it into a <see cref="Run.TestSpec"/>.
/// </summary>
public sealed record RunOptions
{
    public string System { get; init; } = "raft";

    /// <summary>Raft reads: log (through the log), index (ReadIndex) or lease (leader lease; unsafe under skew).</summary>
    public string ReadMode { get; init; } = "log";

    /// <summary>Whether the lock service's storage rejects writes with old fencing tokens.</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>raft: register or lock; txn and 2pc: list-append, rw-register, bank or on-call.</summary>
    public string Workload { get; init; } = "register";

    /// <summary>txn, 2pc: the store's isolation level (read-committed, snapshot, serializable, 2pl, serial); null: the
    /// system's default (txn serializable, 2pc 2pl).</summary>
    public string? Isolation { get; init; }

    /// <summary>2pc: heuristic decisions by participants and no durable coordinator decision (atomicity breaks).</summary>
    public bool UnsafeHeuristic { get; init; }

    /// <summary>The isolation level the system runs at.</summary>
    public string IsolationLevel => Isolation ?? (System == "2pc" ? "2pl" : "serializable");

    /// <summary>list-append, rw-register: the models the history must satisfy (empty: strict-serializable).</summary>
    public ImmutableArray<string> ConsistencyModels { get; init; } = [];

    /// <summary>Faults: partition, pause, kill, clock, loss (empty: none).</summary>
    public ImmutableArray<string> Nemesis { get; init; } = [];

    /// <summary>Mean seconds between fault operations.</summary>
    public double NemesisInterval { get; init; } = 5;

    public int Nodes { get; init; } = 3;

    public int Concurrency { get; init; } = 10;

    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Client ops per second, across all clients (0: as fast as they can).</summary>
    public double Rate { get; init; } = 200;

    public ulong Seed { get; init; }

    /// <summary>Register workload: reads per write (and per cas). More reads find stale reads sooner.</summary>
    public int ReadWeight { get; init; } = 1;

    /// <summary>list-append, rw-register: transactions after which the window of active keys moves on by one key.</summary>
    public int TxnsPerKeyShift { get; init; } = 32;

    /// <summary>Where runs are stored: store/&lt;test&gt;/&lt;time&gt;/.</summary>
    public string Store { get; init; } = "store";

    /// <summary>The reference node program (ddia-node.dll); the launcher sets DDIA_NODE_PROGRAM.</summary>
    public string? NodeProgram { get; init; }

    /// <summary>local (network namespaces; loopback without root).</summary>
    public string Environment { get; init; } = "local";

    /// <summary>Run on loopback addresses without namespaces even as root (no partitions or loss then).</summary>
    public bool Loopback { get; init; }

    /// <summary>A fault schedule aimed at one weakness instead of random faults: leader-lease (clock back on the
    /// leader, then partition or pause it). Null: random faults from the nemesis package.</summary>
    public string? Scenario { get; init; }

    /// <summary>The test's name in the store, made from the options when not given.</summary>
    public string? Name { get; init; }

    public string TestName => Name ?? string.Join('-', new[]
    {
        System, Workload, System == "raft" && Workload == "register" ? ReadMode : null, System is "txn" or "2pc" ? IsolationLevel : null, UnsafeHeuristic ? "unsafe-heuristic" : null, Workload == "lock" ? (Fencing ? "fenced" : "unfenced") : null,
        Nemesis.IsDefaultOrEmpty ? "no-faults" : string.Join('+', Nemesis),
    }.Where(p => p is not null));
}
