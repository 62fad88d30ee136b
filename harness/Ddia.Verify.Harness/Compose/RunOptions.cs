using System.Collections.Immutable;
using System.Globalization;

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

    /// <summary>etcd: how ranges read, linearizable (through the leader's read index) or serializable (from the member's
    /// own state, possibly stale).</summary>
    public string EtcdReads { get; init; } = "linearizable";

    /// <summary>postgres list-append and rw-register: how a write reaches its key's row, update-insert (UPDATE, then
    /// INSERT when no row has the key) or upsert (INSERT … ON CONFLICT DO UPDATE).</summary>
    public string PgWrites { get; init; } = "update-insert";

    /// <summary>Whether the lock service's storage rejects writes with old fencing tokens.</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>leader: when the leader acknowledges a write: sync (every follower has it), semi-sync (one follower
    /// has), async (its own log has).</summary>
    public string Replication { get; init; } = "sync";

    /// <summary>leader: who serves reads: leader, or any node from its own copy.</summary>
    public string Reads { get; init; } = "leader";

    /// <summary>leader: off, or naive (followers elect the reachable node with the longest log; nothing fences the old leader).</summary>
    public string Failover { get; init; } = "off";

    /// <summary>multi-leader, leaderless: lww (last write wins by the writer's wall clock) or version-vectors (siblings).</summary>
    public string Conflicts { get; init; } = "version-vectors";

    /// <summary>leaderless: replicas per key (null: every node), write and read quorums (null: a majority of N).</summary>
    public int? N { get; init; }

    public int? W { get; init; }

    public int? R { get; init; }

    /// <summary>leaderless: writes that miss their home replicas go to other nodes with a hint (hinted handoff).</summary>
    public bool SloppyQuorum { get; init; }

    /// <summary>leaderless: reads write the newest versions back to stale replicas.</summary>
    public bool ReadRepair { get; init; } = true;

    /// <summary>Partition shapes to draw from (one, halves, majorities-ring, bridge, primaries); empty: all of them.</summary>
    public ImmutableArray<string> Partitions { get; init; } = [];

    /// <summary>raft: register or lock; etcd: register or lock-set; txn, 2pc and postgres: list-append, rw-register, bank or on-call; leader, multi-leader and
    /// leaderless: register, set or counter.</summary>
    public string Workload { get; init; } = "register";

    /// <summary>txn, 2pc: the store's isolation level (read-committed, snapshot, serializable, 2pl, serial); postgres:
    /// read-committed, repeatable-read or serializable; null: the system's default (2pc 2pl, the others serializable).</summary>
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

    /// <summary>local (network namespaces; loopback without root), docker (a container per node) or ssh (the hosts of
    /// <see cref="NodesFile"/>).</summary>
    public string Environment { get; init; } = "local";

    /// <summary>ssh: the file that lists the hosts (host, port, user, key file per line).</summary>
    public string? NodesFile { get; init; }

    /// <summary>ssh: verify host keys against known_hosts (the default); false accepts any key.</summary>
    public bool SshStrictHostKeyChecking { get; init; } = true;

    /// <summary>ssh: the known_hosts file to check host keys against; null: ~/.ssh/known_hosts.</summary>
    public string? SshKnownHosts { get; init; }

    /// <summary>Run on loopback addresses without namespaces even as root (no partitions or loss then).</summary>
    public bool Loopback { get; init; }

    /// <summary>A fault schedule aimed at one weakness instead of random faults: leader-lease (clock back on the
    /// leader, then partition or pause it), isolate-leader, isolate-one (cut one random node off), pause-one (stop one
    /// random node for twice the interval). Null: random faults from the nemesis package.</summary>
    public string? Scenario { get; init; }

    /// <summary>The test's name in the store, made from the options when not given.</summary>
    public string? Name { get; init; }

    public string TestName => Name ?? string.Join('-', new[]
    {
        System, Workload, Configuration.Replace(", ", "-", StringComparison.Ordinal).Replace(' ', '-'),
        Nemesis.IsDefaultOrEmpty ? "no-faults" : string.Join('+', Nemesis),
    }.Where(p => p.Length > 0));

    /// <summary>
    /// The <c>ddia-verify run</c> command that repeats this test: the same system, knobs, workload, faults, sizes and seed
    /// (the op and fault schedule replay; what the cluster does under them may not). Every argument is shell-quoted.
    /// </summary>
    public string CommandLine()
    {
        var args = new List<string> { "./ddia-verify", "run", "--system", System, "--workload", Workload };
        void Add(string flag, string value) => args.AddRange([flag, value]);
        static string Number(double n) => n.ToString("0.###", CultureInfo.InvariantCulture);
        switch (System)
        {
            case "raft":
                Add("--read-mode", ReadMode);
                if (Workload == "lock") Add("--fencing", Fencing ? "on" : "off");
                break;
            case "etcd":
                Add("--etcd-reads", EtcdReads);
                break;
            case "txn" or "2pc" or "postgres":
                Add("--isolation", IsolationLevel);
                if (UnsafeHeuristic) args.Add("--unsafe-heuristic");
                if (!ConsistencyModels.IsDefaultOrEmpty) Add("--consistency-models", string.Join(',', ConsistencyModels));
                if (Workload is "list-append" or "rw-register") Add("--txns-per-key-shift", TxnsPerKeyShift.ToString(CultureInfo.InvariantCulture));
                if (System == "postgres" && PgWrites != "update-insert") Add("--pg-writes", PgWrites);
                break;
            case "leader":
                Add("--replication", Replication);
                Add("--reads", Reads);
                Add("--failover", Failover);
                break;
            case "multi-leader":
                Add("--conflicts", Conflicts);
                break;
            case "leaderless":
                Add("--conflicts", Conflicts);
                if (N is { } n) Add("--n", n.ToString(CultureInfo.InvariantCulture));
                if (W is { } w) Add("--w", w.ToString(CultureInfo.InvariantCulture));
                if (R is { } r) Add("--r", r.ToString(CultureInfo.InvariantCulture));
                if (SloppyQuorum) args.Add("--sloppy-quorum");
                Add("--read-repair", ReadRepair ? "on" : "off");
                break;
        }
        Add("--nemesis", Nemesis.IsDefaultOrEmpty ? "none" : string.Join(',', Nemesis));
        if (!Partitions.IsDefaultOrEmpty) Add("--partitions", string.Join(',', Partitions));
        if (Scenario is { } scenario) Add("--scenario", scenario);
        Add("--nemesis-interval", Number(NemesisInterval));
        Add("--nodes", Nodes.ToString(CultureInfo.InvariantCulture));
        Add("--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture));
        Add("--time-limit", Number(TimeLimit.TotalSeconds));
        Add("--rate", Number(Rate));
        if (Workload == "register") Add("--read-weight", ReadWeight.ToString(CultureInfo.InvariantCulture));
        if (Environment != "local") Add("--env", Environment);
        if (NodesFile is { } nodesFile) Add("--nodes-file", nodesFile);
        if (!SshStrictHostKeyChecking) Add("--ssh-strict-host-key-checking", "false");
        if (SshKnownHosts is { } knownHosts) Add("--ssh-known-hosts", knownHosts);
        if (Loopback) args.Add("--loopback");
        Add("--seed", Seed.ToString(CultureInfo.InvariantCulture));
        if (Name is { } name) Add("--name", name);
        return string.Join(' ', args.Select(ShellQuote));
    }

    /// <summary>A word a POSIX shell reads back as itself: bare when it is plain, else in single quotes.</summary>
    internal static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or ':' or '=' or '+')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The system's knobs in a few words ("async, reads any, failover naive"; "n=3 w=2 r=2, lww").</summary>
    public string Configuration => System switch
    {
        "raft" => Workload == "lock" ? (Fencing ? "fenced" : "unfenced") : ReadMode + " reads",
        "etcd" => Workload == "lock-set" ? $"lock lease 2 s, {EtcdReads} reads" : EtcdReads + " reads",
        "txn" or "2pc" => IsolationLevel + (UnsafeHeuristic ? ", unsafe heuristic" : ""),
        "postgres" => IsolationLevel + (PgWrites == "upsert" ? ", upserts" : ""),
        "leader" => $"{Replication}, reads {Reads}, failover {Failover}",
        "multi-leader" => Conflicts,
        "leaderless" => string.Create(CultureInfo.InvariantCulture,
            $"n={N?.ToString(CultureInfo.InvariantCulture) ?? "all"} w={W?.ToString(CultureInfo.InvariantCulture) ?? "majority"} r={R?.ToString(CultureInfo.InvariantCulture) ?? "majority"}, {Conflicts}")
            + (SloppyQuorum ? ", sloppy quorum" : "") + (ReadRepair ? "" : ", no read repair"),
        _ => "",
    };
}
