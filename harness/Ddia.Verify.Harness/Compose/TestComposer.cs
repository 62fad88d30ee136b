using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Docker;
using Ddia.Verify.Environments.Local;
using Ddia.Verify.Environments.Ssh;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis;
using Ddia.Verify.Nemesis.Packages;
using Ddia.Verify.Nemesis.Partitions;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Systems.Adapters.Postgres;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.Systems.Adapters.Replication;
using Ddia.Verify.Systems.Adapters.Txn;
using Ddia.Verify.Workloads;
using Ddia.Verify.Workloads.Lock;
using Ddia.Verify.Workloads.LockSet;
using Ddia.Verify.Workloads.Counter;
using Ddia.Verify.Workloads.Register;
using Ddia.Verify.Workloads.Set;
using Ddia.Verify.Workloads.Transactions;

namespace Ddia.Verify.Harness.Compose;

/// <summary>
/// Turns <see cref="RunOptions"/> into a <see cref="TestSpec"/> (Jepsen's test map): environment, system,
/// workload with its client and checker, nemesis package, and the whole schedule (main phase under the time
/// limit, heal, recovery). The one place that knows every part; the parts know nothing of each other.
/// </summary>
public static class TestComposer
{
    /// <summary>The systems <c>--system</c> takes.</summary>
    public static readonly IReadOnlyList<string> Systems = ["raft", "txn", "2pc", "leader", "multi-leader", "leaderless", "etcd", "postgres"];

    /// <summary>Where the nodes can run (<c>--env</c>).</summary>
    public static readonly IReadOnlyList<string> Environments = ["local", "docker", "ssh"];

    /// <summary>Where Debian's etcd-server puts etcd.</summary>
    public const string EtcdProgram = "/usr/bin/etcd";

    /// <summary>Where Debian's postgresql-15 puts the server's programs.</summary>
    public const string PostgresBin = "/usr/lib/postgresql/15/bin";

    private static PostgresDbOptions PostgresOptions => new() { BinDirectory = PostgresBin };

    /// <summary>The reference node's HTTP port, where clients and the clock nemesis talk to it.</summary>
    private const int HttpPort = 8080;

    /// <summary>Time for the system to recover after every fault is healed, before the run ends.</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(3);

    /// <summary>Builds the test; <paramref name="unavailable"/> lists faults asked for that this machine cannot inject.</summary>
    /// <exception cref="UsageException">an option names something that does not exist.</exception>
    public static TestSpec Compose(RunOptions options, out IReadOnlyList<string> unavailable)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Systems.Contains(options.System))
            throw new UsageException($"--system: unknown system '{options.System}' (supported: {string.Join(", ", Systems)})");
        if (options.UnsafeHeuristic && options.System != "2pc") throw new UsageException("--unsafe-heuristic: only for --system 2pc");
        if (!Environments.Contains(options.Environment))
            throw new UsageException($"--env: unknown environment '{options.Environment}' (supported: {string.Join(", ", Environments)})");
        if (options.Nodes is < 1 or > LocalEnvironment.MaxNodes) throw new UsageException($"--nodes: must be 1..{LocalEnvironment.MaxNodes}");
        if ((options.NodesFile ?? options.SshKnownHosts) is not null && options.Environment != "ssh")
            throw new UsageException($"{(options.NodesFile is null ? "--ssh-known-hosts" : "--nodes-file")}: only for --env ssh");
        if (options.Concurrency < 1) throw new UsageException("--concurrency: must be at least 1");
        if (options.Rate < 0 || !double.IsFinite(options.Rate)) throw new UsageException("--rate: must be a non-negative number of ops per second");
        if (options.TimeLimit <= TimeSpan.Zero) throw new UsageException("--time-limit: must be positive");
        var etcd = options.System == "etcd";
        // Third-party systems have no /admin/clock: the clock fault is then unavailable.
        var adminPort = options.System is "etcd" or "postgres" ? (int?)null : HttpPort;
        var placement = Place(options);
        var (db, workload, client) = options.System switch
        {
            "etcd" => EtcdSystem(options),
            "postgres" => PostgresSystem(options),
            "raft" => RaftSystem(options, placement.NodeProgram!),
            "txn" or "2pc" => TxnSystem(options, placement.NodeProgram!),
            _ => ReplicationSystem(options, placement.NodeProgram!),
        };
        var faults = options.Nemesis.IsDefault ? [] : options.Nemesis;
        NemesisPackage package;
        try
        {
            package = NemesisPackages.For(new NemesisOptions
            {
                Faults = faults,
                Partitions = options.Partitions.IsDefaultOrEmpty ? DefaultPartitions(options.System) : [.. options.Partitions.Select(ParsePartition)],
                Interval = TimeSpan.FromSeconds(options.NemesisInterval),
                Db = db,
                Capabilities = placement.Capabilities,
                AdminPort = adminPort,
                // The 2pc coordinator dies between its first and second commit message: a transaction half told.
                CrashPoint = options.System == "2pc" ? "after-decision" : null,
                ProcessTargets = options.System switch
                {
                    // The single-node stores run on one node: kills and pauses elsewhere would hit nothing.
                    "txn" or "postgres" => [Nemesis.Targets.Target.Primaries],
                    // Every 2pc node is a partition and a coordinator: stopping one at a time is what leaves its
                    // transactions in doubt on the others (stopping all of them shows nothing).
                    "2pc" => [Nemesis.Targets.Target.One],
                    // Stopping every member (or a majority) only stops the test: etcd then serves nothing to judge.
                    "etcd" => [Nemesis.Targets.Target.One, Nemesis.Targets.Target.Primaries, Nemesis.Targets.Target.Minority],
                    _ => new NemesisOptions().ProcessTargets,
                },
            });
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--nemesis: {e.Message}");
        }
        unavailable = [.. package.Unavailable.Select(u => u.ToString())];

        var faultSchedule = options.Scenario switch
        {
            null => package.Generator,
            "leader-lease" => LeaderLeaseScenario(package, TimeSpan.FromSeconds(options.NemesisInterval)),
            "isolate-leader" => IsolateScenario(package, TimeSpan.FromSeconds(options.NemesisInterval), "primaries", options.Scenario),
            "isolate-one" => IsolateScenario(package, TimeSpan.FromSeconds(options.NemesisInterval), "one", options.Scenario),
            "pause-one" => PauseOneScenario(package, TimeSpan.FromSeconds(options.NemesisInterval)),
            _ => throw new UsageException($"--scenario: unknown scenario '{options.Scenario}' (supported: leader-lease, isolate-leader, isolate-one, pause-one)"),
        };
        var clients = options.Rate > 0 ? Gen.Stagger(TimeSpan.FromSeconds(1 / options.Rate), workload.Generator) : workload.Generator;
        var main = Gen.ClientsAndNemesis(Gen.TimeLimit(options.TimeLimit, clients), Gen.TimeLimit(options.TimeLimit, faultSchedule));

        var spec = new TestSpec
        {
            Name = options.TestName,
            Environment = placement.Environment,
            NodeCount = options.Nodes,
            Db = db,
            Client = client,
            Nemesis = package.Nemesis,
            Generator = Gen.MainThenFinal(main, package.FinalGenerator, Recovery, workload.Final),
            Checker = workload.Checker,
            Concurrency = options.Concurrency,
            Seed = options.Seed,
            TimeLimit = options.TimeLimit,
            Grace = TimeSpan.FromSeconds(60),
            Check = new CheckSettings { Model = workload.Model },
            CommandLine = options.CommandLine(),
            Options = ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["system"] = options.System,
                ["configuration"] = options.Configuration,
                ["workload"] = workload.Name,
                ["nemesis"] = faults.IsEmpty ? "none" : string.Join(",", faults),
                ["partitions"] = options.Partitions.IsDefaultOrEmpty ? "all" : string.Join(",", options.Partitions),
                ["scenario"] = options.Scenario ?? "random",
                ["nemesis interval"] = string.Create(CultureInfo.InvariantCulture, $"{options.NemesisInterval} s"),
                ["read weight"] = options.ReadWeight.ToString(CultureInfo.InvariantCulture),
                ["rate"] = string.Create(CultureInfo.InvariantCulture, $"{options.Rate} ops/s"),
                ["environment"] = placement.Description,
            }),
        };
        // An etcd lock waits for the holders before it (each with a lease of 2 s): give an add time to get through.
        return etcd ? spec with { OpTimeout = EtcdOpTimeout } : spec;
    }

    /// <summary>How long an etcd op may take before it is recorded as info.</summary>
    private static readonly TimeSpan EtcdOpTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Where the nodes run, what can be done to them there, and the path of the reference node program on them
    /// (null for the third-party systems, which bring their own).</summary>
    private sealed record Placement(IEnvironment Environment, RemoteCapabilities Capabilities, string? NodeProgram, string Description);

    private static Placement Place(RunOptions options)
    {
        var usesNodeProgram = options.System is not ("etcd" or "postgres");
        switch (options.Environment)
        {
            case "docker":
            {
                // The image holds each program at its path on this machine: the command lines stay the same.
                var program = usesNodeProgram ? NodeExecutable(options) : null;
                var docker = new DockerEnvironment(options.System switch
                {
                    "postgres" => new DockerEnvironmentOptions { Programs = PostgresOptions.NodeFiles(), Users = [PostgresOptions.RunAs] },
                    "etcd" => new DockerEnvironmentOptions { Programs = [EtcdProgram] },
                    _ => new DockerEnvironmentOptions { Programs = [program!] },
                });
                return new Placement(docker, RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall, program, "docker");
            }
            case "ssh":
            {
                var nodesFile = options.NodesFile ?? throw new UsageException("--env ssh: needs --nodes-file FILE (one 'host port user keyfile' per line)");
                if (!File.Exists(nodesFile)) throw new UsageException($"--nodes-file: {nodesFile} does not exist");
                // The hosts get the self-contained node program; etcd and PostgreSQL come from their own Debian packages.
                var program = usesNodeProgram ? NodeExecutable(options) : null;
                var ssh = new SshEnvironmentOptions
                {
                    NodesFile = Path.GetFullPath(nodesFile), StrictHostKeyChecking = options.SshStrictHostKeyChecking, Programs = program is null ? [] : [program],
                };
                if (options.SshKnownHosts is { } knownHosts)
                    ssh = File.Exists(knownHosts) ? ssh with { KnownHostsFile = Path.GetFullPath(knownHosts) } : throw new UsageException($"--ssh-known-hosts: {knownHosts} does not exist");
                return new Placement(new SshEnvironment(ssh), RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall,
                    program is null ? null : ssh.ProgramPath(program), $"ssh ({Path.GetFileName(nodesFile)})");
            }
            default:
                return new Placement(new LocalEnvironment(new LocalEnvironmentOptions { ForceLoopback = options.Loopback }),
                    options.Loopback ? RemoteCapabilities.Exec | RemoteCapabilities.Signals : LocalCapabilities(),
                    usesNodeProgram ? NodeProgram(options) : null, options.Loopback ? "local (loopback)" : "local");
        }
    }

    private static string NodeProgram(RunOptions options)
    {
        var program = options.NodeProgram ?? System.Environment.GetEnvironmentVariable("DDIA_NODE_PROGRAM")
            ?? throw new UsageException("the node program is unknown: pass --node-program PATH/ddia-node.dll, or run through ./ddia-verify");
        return File.Exists(program) ? Path.GetFullPath(program) : throw new UsageException($"--node-program: {program} does not exist (run 'make build')");
    }

    /// <summary>The self-contained node program (no .NET on the nodes): --node-program when it names one, else what the
    /// launcher found (DDIA_NODE_EXECUTABLE, made by 'make publish-node').</summary>
    private static string NodeExecutable(RunOptions options)
    {
        var program = options.NodeProgram is { } given && !given.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? given
            : System.Environment.GetEnvironmentVariable("DDIA_NODE_EXECUTABLE")
              ?? throw new UsageException($"--env {options.Environment}: the self-contained node program is unknown: run 'make publish-node' and use ./ddia-verify, or pass --node-program PATH/ddia-node");
        return File.Exists(program)
            ? Path.GetFullPath(program)
            : throw new UsageException($"--env {options.Environment}: {program} does not exist (run 'make publish-node')");
    }

    /// <summary>
    /// etcd 3.4 (Debian's etcd-server), a member on every node, with the register (read, write, cas on independent keys;
    /// linearizable per key) or the lock-set workload (adds to one set under etcd's lock; lost elements when the lock
    /// lets two holders in). Reads are linearizable or serializable as asked.
    /// </summary>
    private static (Abstractions.IDb Db, Workload Workload, IClient Client) EtcdSystem(RunOptions options)
    {
        if (!File.Exists(EtcdProgram)) throw new UsageException($"--system etcd: {EtcdProgram} is missing (apt-get install etcd-server)");
        var serializable = options.EtcdReads switch
        {
            "linearizable" => false,
            "serializable" => true,
            _ => throw new UsageException($"--etcd-reads: must be linearizable or serializable, got '{options.EtcdReads}'"),
        };
        var db = new EtcdDb(new EtcdDbOptions { EtcdProgram = EtcdProgram });
        var client = db.Options.ClientOptions with { SerializableReads = serializable };
        return options.Workload switch
        {
            "register" => (db, RegisterWorkload.IndependentKeys(new RegisterOptions { ThreadsPerKey = Math.Min(5, options.Concurrency), ReadWeight = options.ReadWeight }),
                new EtcdRegisterClient(client)),
            "lock-set" => (db, LockSetWorkload.Create(), new EtcdLockSetClient(client with { KeyPrefix = "ls/" })),
            _ => throw new UsageException($"--workload: unknown workload '{options.Workload}' for etcd (supported: register, lock-set)"),
        };
    }

    /// <summary>
    /// PostgreSQL 15 (Debian's postgresql-15), one server on the first node, at the isolation level asked for, with the
    /// transactional workloads: each level should show exactly what Hermitage's PostgreSQL row says it allows.
    /// </summary>
    private static (Abstractions.IDb Db, Workload Workload, IClient Client) PostgresSystem(RunOptions options)
    {
        if (!File.Exists(PostgresBin + "/postgres"))
            throw new UsageException($"--system postgres: {PostgresBin}/postgres is missing (apt-get install postgresql)");
        string[] levels = ["read-committed", "repeatable-read", "serializable"];
        var isolation = options.IsolationLevel;
        if (!levels.Contains(isolation)) throw new UsageException($"--isolation: postgres runs at {string.Join(", ", levels)}; got '{isolation}'");
        if (options.PgWrites is not ("update-insert" or "upsert"))
            throw new UsageException($"--pg-writes: must be update-insert or upsert, got '{options.PgWrites}'");
        var db = new PostgresDb(PostgresOptions);
        var client = db.Options.ClientOptions with { Isolation = isolation, Workload = options.Workload, Upserts = options.PgWrites == "upsert" };
        return TransactionalWorkload(options, "postgres", db, client.ForBank, client.ForOnCall, c => new PostgresClient(c), client);
    }

    private static (Abstractions.IDb Db, Workload Workload, IClient Client) RaftSystem(RunOptions options, string program)
    {
        var db = new RaftDb(new RaftDbOptions
        {
            NodeProgram = Path.GetFullPath(program),
            ReadMode = options.ReadMode is "log" or "index" or "lease"
                ? options.ReadMode
                : throw new UsageException($"--read-mode: must be log, index or lease, got '{options.ReadMode}'"),
            Fencing = options.Fencing,
            HttpPort = HttpPort,
            Seed = unchecked((int)options.Seed),
        });
        var (workload, client) = options.Workload switch
        {
            "register" => (RegisterWorkload.IndependentKeys(new RegisterOptions { ThreadsPerKey = Math.Min(5, options.Concurrency), ReadWeight = options.ReadWeight }), (IClient)new RaftRegisterClient(db.Options.ClientOptions)),
            "lock" => (LockWorkload.Create(new LockOptions()), new RaftLockClient(db.Options.ClientOptions)),
            _ => throw new UsageException($"--workload: unknown workload '{options.Workload}' (supported: register, lock)"),
        };
        return (db, workload, client);
    }

    /// <summary>
    /// The transactional store (DDIA ch. 7) on the first node, or partitioned over every node with two-phase commit
    /// (ch. 9), with one of its workloads: the client seeds the bank's accounts and the on-call roster; list-append and
    /// rw-register are checked against the models asked for.
    /// </summary>
    private static (Abstractions.IDb Db, Workload Workload, IClient Client) TxnSystem(RunOptions options, string program)
    {
        var isolation = options.IsolationLevel;
        // Two-phase commit needs locks held through the in-doubt window: snapshots would be per partition.
        string[] levels = options.System == "2pc" ? ["read-committed", "2pl", "serial"] : ["read-committed", "snapshot", "serializable", "2pl", "serial"];
        if (!levels.Contains(isolation)) throw new UsageException($"--isolation: {options.System} runs at {string.Join(", ", levels)}; got '{isolation}'");
        var db = new TxnDb(new TxnDbOptions
        {
            System = options.System,
            NodeProgram = Path.GetFullPath(program),
            Isolation = isolation,
            UnsafeHeuristic = options.UnsafeHeuristic,
            HttpPort = HttpPort,
        });
        var client = db.Options.ClientOptions with { Workload = options.Workload };
        return TransactionalWorkload(options, options.System, db, client.ForBank, client.ForOnCall, c => new TxnClient(c), client);
    }

    /// <summary>The transactional workloads over a system's client: list-append and rw-register checked against the
    /// models asked for, the bank's accounts and the on-call roster seeded by the client's options.</summary>
    private static (Abstractions.IDb Db, Workload Workload, IClient Client) TransactionalWorkload<TOptions>(RunOptions options, string system,
        Abstractions.IDb db, Func<BankWorkloadOptions, TOptions> forBank, Func<OnCallWorkloadOptions, TOptions> forOnCall, Func<TOptions, IClient> client,
        TOptions plain)
    {
        var bank = new BankWorkloadOptions();
        var onCall = new OnCallWorkloadOptions();
        var txnOptions = new TxnOptions { ActiveKeys = 3, TxnsPerKeyShift = options.TxnsPerKeyShift, ConsistencyModels = options.ConsistencyModels.IsDefaultOrEmpty ? ["strict-serializable"] : options.ConsistencyModels };
        try
        {
            return options.Workload switch
            {
                "list-append" => (db, TxnWorkloads.ListAppend(txnOptions), client(plain)),
                "rw-register" => (db, TxnWorkloads.RwRegister(txnOptions), client(plain)),
                "bank" => (db, BankWorkload.Create(bank), client(forBank(bank))),
                "on-call" => (db, OnCallWorkload.Create(onCall), client(forOnCall(onCall))),
                _ => throw new UsageException($"--workload: unknown workload '{options.Workload}' for {system} (supported: list-append, rw-register, bank, on-call)"),
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--consistency-models: {e.Message}");
        }
    }

    /// <summary>
    /// DDIA chapter 5's replication systems, every node running: one leader (sync, semi-sync or async; reads from the
    /// leader or any node; naive failover or none), multi-leader, or leaderless quorums; with the register (linearizable),
    /// set (adds and reads: lost and, for the single leader, stale elements) or counter (read-modify-write increments)
    /// workload. Sets are judged as Jepsen's set-full judges them: stale reads break only the single leader's promise,
    /// the others promise eventual consistency, so there only lost and unexpected elements count.
    /// </summary>
    private static (Abstractions.IDb Db, Workload Workload, IClient Client) ReplicationSystem(RunOptions options, string program)
    {
        ReplicationDb db;
        try
        {
            db = new ReplicationDb(new ReplicationDbOptions
            {
                System = options.System,
                NodeProgram = Path.GetFullPath(program),
                HttpPort = HttpPort,
                Replication = options.Replication,
                Reads = options.Reads,
                Failover = options.Failover,
                Conflicts = options.Conflicts,
                N = options.N,
                W = options.W,
                R = options.R,
                SloppyQuorum = options.SloppyQuorum,
                ReadRepair = options.ReadRepair,
            });
        }
        catch (System.ComponentModel.DataAnnotations.ValidationException e)
        {
            throw new UsageException($"--system {options.System}: {e.Message}");
        }
        var client = db.Options.ClientOptions;
        var set = new SetOptions { Linearizable = options.System == "leader" };
        var counter = new CounterOptions();
        return options.Workload switch
        {
            "register" => (db, RegisterWorkload.IndependentKeys(new RegisterOptions
            {
                ThreadsPerKey = Math.Min(5, options.Concurrency),
                ReadWeight = options.ReadWeight,
                CasWeight = options.System == "leader" ? 1 : 0,   // compare-and-set needs one copy that decides
            }), new ReplicationClient(client)),
            "set" => (db, SetWorkload.Create(set), new ReplicationClient(client.ForSet(set))),
            "counter" => (db, CounterWorkload.Create(counter), new ReplicationClient(client.ForCounter(counter))),
            _ => throw new UsageException($"--workload: unknown workload '{options.Workload}' for {options.System} (supported: register, set, counter)"),
        };
    }

    /// <summary>Every partition shape, but "primaries" only where some nodes are not: every multi-leader and leaderless
    /// node takes writes, so cutting the primaries off from the rest would cut nothing.</summary>
    private static ImmutableArray<PartitionKind> DefaultPartitions(string system) =>
        system is "multi-leader" or "leaderless" ? [.. PartitionKinds.All.Where(k => k != PartitionKind.Primaries)] : [.. PartitionKinds.All];

    private static PartitionKind ParsePartition(string name)
    {
        try
        {
            return PartitionKinds.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--partitions: {e.Message}");
        }
    }

    /// <summary>What the local environment will be able to do: network namespaces and iptables need root and the
    /// iproute2 and iptables packages.</summary>
    public static RemoteCapabilities LocalCapabilities() => NamespacesUnavailable() is null
        ? RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall
        : RemoteCapabilities.Exec | RemoteCapabilities.Signals;

    /// <summary>Why this machine cannot give each node a network namespace, or null when it can.</summary>
    public static string? NamespacesUnavailable()
    {
        if (!System.Environment.IsPrivilegedProcess) return "not root: network namespaces and iptables need root";
        var missing = new[] { ("ip", "iproute2"), ("iptables", "iptables") }.Where(t => !OnPath(t.Item1)).Select(t => t.Item2).ToList();
        return missing.Count == 0 ? null : $"missing {string.Join(" and ", missing)} (apt-get install {string.Join(' ', missing)})";
    }

    private static bool OnPath(string tool) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>
    /// DDIA §5.1's failover problem on purpose (<paramref name="shape"/> "primaries"): cut the leader off from every
    /// other node for twice the interval (long enough for followers to give up on it and elect another), heal, let the
    /// cluster settle for one interval, again. Random partitions of random length rarely outlast a failover timeout;
    /// this one always does. With "one", a random node is cut off: a member that still answers from its own state.
    /// </summary>
    private static IGenerator IsolateScenario(NemesisPackage package, TimeSpan interval, string shape, string scenario)
    {
        if (!package.Faults.Contains(Faults.Partition)) throw new UsageException($"--scenario {scenario}: needs --nemesis partition");
        return Gen.Repeat(Gen.Concat(
            Gen.Sleep(interval),
            Gen.Once(new OpTemplate(NemesisFs.StartPartition, Value.Of(shape))),
            Gen.Sleep(interval * 2),
            Gen.Once(new OpTemplate(NemesisFs.StopPartition))));
    }

    /// <summary>
    /// Process pauses longer than a lease, on purpose: stop one random node (SIGSTOP) for twice the interval, resume
    /// it, let the cluster settle for one interval, again. Whatever its clients were doing stalls meanwhile, while
    /// the leases they hold run out on the others.
    /// </summary>
    private static IGenerator PauseOneScenario(NemesisPackage package, TimeSpan interval)
    {
        if (!package.Faults.Contains(Faults.Pause)) throw new UsageException("--scenario pause-one: needs --nemesis pause");
        return Gen.Repeat(Gen.Concat(
            Gen.Sleep(interval),
            Gen.Once(new OpTemplate(NemesisFs.Pause, Value.Of("one"))),
            Gen.Sleep(interval * 2),
            Gen.Once(new OpTemplate(NemesisFs.Resume))));
    }

    /// <summary>
    /// DDIA §8.4's lease problem on purpose: set the leader's wall clock far back (its lease now looks valid
    /// for that much longer), then cut it off (partition) or stop it (pause) so a new leader takes writes
    /// while the old one still believes its lease. Each fault is healed before the next; the package's own
    /// nemeses do the work, so histories look like any other run's.
    /// </summary>
    private static IGenerator LeaderLeaseScenario(NemesisPackage package, TimeSpan interval)
    {
        static OpTemplate Op(string f, Value? value = null) => new(f, value ?? Value.Nil);
        var back = Value.Map([KeyValuePair.Create(Value.Of("target"), Value.Of("primaries")), KeyValuePair.Create(Value.Of("offsetMs"), Value.Of(-30_000L))]);
        var steps = new List<IGenerator> { Gen.Sleep(interval) };
        if (package.Faults.Contains(Faults.Partition))
        {
            steps.Add(Gen.Ops(Op(NemesisFs.BumpClock, back), Op(NemesisFs.StartPartition, Value.Of("primaries"))));
            steps.Add(Gen.Sleep(interval));
            steps.Add(Gen.Ops(Op(NemesisFs.StopPartition), Op(NemesisFs.ResetClock)));
            steps.Add(Gen.Sleep(interval / 2));
        }
        if (package.Faults.Contains(Faults.Pause))
        {
            steps.Add(Gen.Ops(Op(NemesisFs.BumpClock, back), Op(NemesisFs.Pause, Value.Of("primaries"))));
            steps.Add(Gen.Sleep(interval));
            steps.Add(Gen.Ops(Op(NemesisFs.Resume), Op(NemesisFs.ResetClock)));
            steps.Add(Gen.Sleep(interval / 2));
        }
        return Gen.Repeat(Gen.Concat(steps));
    }
}
