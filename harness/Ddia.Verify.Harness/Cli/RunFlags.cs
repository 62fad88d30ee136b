using System.Collections.Immutable;
using System.CommandLine;
using Ddia.Verify.Harness.Compose;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// The flags of <c>ddia-verify run</c> and how they make a <see cref="RunOptions"/>: one definition shared by the
/// command, by campaign files (whose entries name the same flags) and by the tests that parse a report's command line back.
/// </summary>
internal sealed class RunFlags
{
    private readonly Option<string> system = new("--system") { Description = "System under test: raft, txn (a transactional store on the first node), 2pc (hash partitions over every node, two-phase commit), leader (single-leader replication), multi-leader, leaderless (Dynamo-style quorums) etcd (etcd 3.4 from Debian's etcd-server) or postgres (PostgreSQL 15, one server on the first node)", DefaultValueFactory = _ => "raft" };
    private readonly Option<string?> isolation = new("--isolation") { Description = "txn: read-committed, snapshot, serializable (SSI, the default), 2pl or serial; 2pc: read-committed, 2pl (the default) or serial; postgres: read-committed, repeatable-read or serializable (the default)" };
    private readonly Option<bool> unsafeHeuristic = new("--unsafe-heuristic") { Description = "2pc: participants decide alone after a timeout and the coordinator does not log its decision first (breaks atomicity)" };
    private readonly Option<string> replication = new("--replication") { Description = "leader: sync (every follower acks a write), semi-sync (one follower) or async (the leader alone)", DefaultValueFactory = _ => "sync" };
    private readonly Option<string> reads = new("--reads") { Description = "leader: reads from the leader only, or from any node's own copy", DefaultValueFactory = _ => "leader" };
    private readonly Option<string> failover = new("--failover") { Description = "leader: off, or naive (elect the reachable node with the longest log, without fencing the old leader)", DefaultValueFactory = _ => "off" };
    private readonly Option<string> conflicts = new("--conflicts") { Description = "multi-leader, leaderless: lww (last write wins by wall clock) or version-vectors (concurrent writes kept as siblings)", DefaultValueFactory = _ => "version-vectors" };
    private readonly Option<int?> n = new("--n") { Description = "leaderless: replicas per key (default: every node)" };
    private readonly Option<int?> w = new("--w") { Description = "leaderless: replicas that must ack a write (default: a majority of n)" };
    private readonly Option<int?> r = new("--r") { Description = "leaderless: replicas a read waits for (default: a majority of n)" };
    private readonly Option<bool> sloppyQuorum = new("--sloppy-quorum") { Description = "leaderless: writes that miss their home replicas go to other nodes with a hint (hinted handoff)" };
    private readonly Option<string> readRepair = new("--read-repair") { Description = "leaderless: on or off", DefaultValueFactory = _ => "on" };
    private readonly Option<string?> partitions = new("--partitions") { Description = "Partition shapes, comma-separated: one, halves, majorities-ring, bridge, primaries (default: all)" };
    private readonly Option<string?> models = new("--consistency-models") { Description = "txn list-append, rw-register: models the history must satisfy, comma-separated (default strict-serializable)" };
    private readonly Option<string> etcdReads = new("--etcd-reads") { Description = "etcd: linearizable (the default) or serializable (each member answers from its own state, possibly stale)", DefaultValueFactory = _ => "linearizable" };
    private readonly Option<string> pgWrites = new("--pg-writes") { Description = "postgres list-append, rw-register: how a write reaches its key's row: update-insert (UPDATE, then INSERT for a new key; the default) or upsert (INSERT ... ON CONFLICT DO UPDATE, with which PostgreSQL 15 SERIALIZABLE let a G2-item commit here)", DefaultValueFactory = _ => "update-insert" };
    private readonly Option<string> readMode = new("--read-mode") { Description = "Raft reads: log, index (ReadIndex) or lease (leader lease; unsafe under clock skew)", DefaultValueFactory = _ => "log" };
    private readonly Option<string> fencing = new("--fencing") { Description = "Lock service storage fencing tokens: on or off", DefaultValueFactory = _ => "on" };
    private readonly Option<string> workload = new("--workload") { Description = "raft: register (read/write/cas on independent keys) or lock (acquire, fenced write, release); etcd: register or lock-set (adds to a set under etcd's lock); txn, 2pc, postgres: list-append, rw-register, bank or on-call; leader, multi-leader, leaderless: register, set or counter", DefaultValueFactory = _ => "register" };
    private readonly Option<string> nemesis = new("--nemesis") { Description = "Faults, comma-separated: partition, pause, kill, crash (2pc: kill -9 between commit messages), clock, loss; 'none' for none", DefaultValueFactory = _ => "none" };
    private readonly Option<string?> scenario = new("--scenario") { Description = "A targeted fault schedule instead of random faults: leader-lease, isolate-leader, isolate-one (cut one random node off for twice the interval), pause-one (stop one random node for twice the interval)" };
    private readonly Option<double> interval = new("--nemesis-interval") { Description = "Mean seconds between fault operations", DefaultValueFactory = _ => 5 };
    private readonly Option<int> nodes = new("--nodes") { Description = "Cluster size", DefaultValueFactory = _ => 3 };
    private readonly Option<int> concurrency = new("--concurrency") { Description = "Client workers", DefaultValueFactory = _ => 10 };
    private readonly Option<double> timeLimit = new("--time-limit") { Description = "Seconds of client ops and faults, before healing", DefaultValueFactory = _ => 60 };
    private readonly Option<double> rate = new("--rate") { Description = "Client ops per second across all workers (0: unlimited)", DefaultValueFactory = _ => 200 };
    private readonly Option<int> keyShift = new("--txns-per-key-shift") { Description = "list-append, rw-register: transactions after which the window of active keys moves on by one (larger: longer lists, keys read across more faults)", DefaultValueFactory = _ => 32 };
    private readonly Option<int> readWeight = new("--read-weight") { Description = "Register workload: reads for every write and every cas", DefaultValueFactory = _ => 1 };
    private readonly Option<ulong?> seed = new("--seed") { Description = "Seed of every random choice (printed; the same seed replays the op and fault schedule)" };
    private readonly Option<string> store = new("--store") { Description = "Where runs are kept", DefaultValueFactory = _ => "store" };
    private readonly Option<string?> nodeProgram = new("--node-program") { Description = "Path to ddia-node.dll (./ddia-verify sets it)" };
    private readonly Option<string?> name = new("--name") { Description = "The test's name in the store (made from the options by default)" };
    private readonly Option<string> environment = new("--env") { Description = "Where the nodes run: local (network namespaces on this machine, the default), docker (a container per node) or ssh (the hosts of --nodes-file)", DefaultValueFactory = _ => "local" };
    private readonly Option<string?> nodesFile = new("--nodes-file") { Description = "ssh: a file with one node per line: host, port, user and private key file, separated by spaces" };
    private readonly Option<bool> sshStrictHostKeyChecking = new("--ssh-strict-host-key-checking") { Description = "ssh: verify every host's key against ~/.ssh/known_hosts (true, the default) or accept any (false)", DefaultValueFactory = _ => true };
    private readonly Option<string?> sshKnownHosts = new("--ssh-known-hosts") { Description = "ssh: the known_hosts file host keys are checked against (default ~/.ssh/known_hosts)" };
    private readonly Option<bool> loopback = new("--loopback") { Description = "Loopback addresses, no network namespaces (no partitions or loss); the default without root" };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { system, isolation, unsafeHeuristic, replication, reads, failover, conflicts, n, w, r, sloppyQuorum, readRepair, partitions, models, etcdReads, pgWrites, readMode, fencing, workload, nemesis, scenario, interval, nodes, concurrency, timeLimit, rate, keyShift, readWeight, seed, store, nodeProgram, environment, nodesFile, sshStrictHostKeyChecking, sshKnownHosts, loopback, name }) command.Options.Add(option);
    }

    /// <summary>The options <paramref name="parse"/> holds; a value out of range is a <see cref="UsageException"/>.</summary>
    public RunOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
    return new RunOptions
        {
            System = parse.GetValue(system)!,
            Isolation = parse.GetValue(isolation),
            UnsafeHeuristic = parse.GetValue(unsafeHeuristic),
            Replication = parse.GetValue(replication)!,
            Reads = parse.GetValue(reads)!,
            Failover = parse.GetValue(failover)!,
            Conflicts = parse.GetValue(conflicts)!,
            N = parse.GetValue(n),
            W = parse.GetValue(w),
            R = parse.GetValue(r),
            SloppyQuorum = parse.GetValue(sloppyQuorum),
            ReadRepair = OnOff("--read-repair", parse.GetValue(readRepair)!),
            Partitions = parse.GetValue(partitions) is { } p ? List(p) : [],
            ConsistencyModels = parse.GetValue(models) is { } m ? List(m) : [],
            EtcdReads = parse.GetValue(etcdReads)!,
            PgWrites = parse.GetValue(pgWrites)!,
            ReadMode = parse.GetValue(readMode)!,
            Fencing = OnOff("--fencing", parse.GetValue(fencing)!),
            Workload = parse.GetValue(workload)!,
            Nemesis = ParseFaults(parse.GetValue(nemesis)!),
            Scenario = parse.GetValue(scenario),
            NemesisInterval = Positive("--nemesis-interval", parse.GetValue(interval)),
            Nodes = parse.GetValue(nodes),
            Concurrency = parse.GetValue(concurrency),
            TimeLimit = TimeSpan.FromSeconds(Positive("--time-limit", parse.GetValue(timeLimit))),
            Rate = parse.GetValue(rate),
            ReadWeight = parse.GetValue(readWeight) is >= 0 and var weight ? weight : throw new UsageException("--read-weight: must be 0 or more"),
            TxnsPerKeyShift = parse.GetValue(keyShift) is >= 1 and var k ? k : throw new UsageException("--txns-per-key-shift: must be at least 1"),
            Seed = parse.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(),
            Store = parse.GetValue(store)!,
            NodeProgram = parse.GetValue(nodeProgram),
            Name = parse.GetValue(name),
            Environment = parse.GetValue(environment)!,
            NodesFile = parse.GetValue(nodesFile),
            SshStrictHostKeyChecking = parse.GetValue(sshStrictHostKeyChecking),
            SshKnownHosts = parse.GetValue(sshKnownHosts),
            Loopback = parse.GetValue(loopback) || TestComposer.NamespacesUnavailable() is not null,
        };
    }

    /// <summary>Parses <c>run</c>'s flags (without the word "run"); an unknown flag or a bad value is a <see cref="UsageException"/>
    /// that names it.</summary>
    public static RunOptions Parse(IReadOnlyList<string> args)
    {
        var flags = new RunFlags();
        var command = new Command("run");
        flags.AddTo(command);
        var parse = command.Parse([.. args]);
        if (parse.Errors.Count > 0) throw new UsageException(string.Join("; ", parse.Errors.Select(e => e.Message)));
        return flags.Read(parse);
    }

    private static ImmutableArray<string> ParseFaults(string text) => text is "" or "none" ? [] : List(text);

    private static ImmutableArray<string> List(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static bool OnOff(string option, string value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new UsageException($"{option}: must be on or off, got '{value}'"),
    };

    private static double Positive(string option, double value) =>
        value > 0 && double.IsFinite(value) ? value : throw new UsageException($"{option}: must be a positive number");
}
