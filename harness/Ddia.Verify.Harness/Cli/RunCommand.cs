using System.Collections.Immutable;
using System.CommandLine;
using System.Runtime.InteropServices;
using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.Harness.Terminal;
using Spectre.Console;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// <c>ddia-verify run</c>: one test on a real cluster, with live progress and a closing verdict table. Ctrl-C
/// (or SIGTERM) stops the run cleanly: faults healed, nodes killed, namespaces and rules removed, and what was
/// recorded still checked and reported. Exit: 0 valid, 1 invalid, 2 unknown, 130 interrupted, 255 crashed.
/// </summary>
internal static class RunCommand
{
    public const int Interrupted = 130;

    public static Command Create(TextWriter stdout)
    {
        var system = new Option<string>("--system") { Description = "System under test: raft, txn (a transactional store on the first node), 2pc (hash partitions over every node, two-phase commit), leader (single-leader replication), multi-leader, leaderless (Dynamo-style quorums) or etcd (etcd 3.4 from Debian's etcd-server)", DefaultValueFactory = _ => "raft" };
        var isolation = new Option<string?>("--isolation") { Description = "txn: read-committed, snapshot, serializable (SSI, the default), 2pl or serial; 2pc: read-committed, 2pl (the default) or serial" };
        var unsafeHeuristic = new Option<bool>("--unsafe-heuristic") { Description = "2pc: participants decide alone after a timeout and the coordinator does not log its decision first (breaks atomicity)" };
        var replication = new Option<string>("--replication") { Description = "leader: sync (every follower acks a write), semi-sync (one follower) or async (the leader alone)", DefaultValueFactory = _ => "sync" };
        var reads = new Option<string>("--reads") { Description = "leader: reads from the leader only, or from any node's own copy", DefaultValueFactory = _ => "leader" };
        var failover = new Option<string>("--failover") { Description = "leader: off, or naive (elect the reachable node with the longest log, without fencing the old leader)", DefaultValueFactory = _ => "off" };
        var conflicts = new Option<string>("--conflicts") { Description = "multi-leader, leaderless: lww (last write wins by wall clock) or version-vectors (concurrent writes kept as siblings)", DefaultValueFactory = _ => "version-vectors" };
        var n = new Option<int?>("--n") { Description = "leaderless: replicas per key (default: every node)" };
        var w = new Option<int?>("--w") { Description = "leaderless: replicas that must ack a write (default: a majority of n)" };
        var r = new Option<int?>("--r") { Description = "leaderless: replicas a read waits for (default: a majority of n)" };
        var sloppyQuorum = new Option<bool>("--sloppy-quorum") { Description = "leaderless: writes that miss their home replicas go to other nodes with a hint (hinted handoff)" };
        var readRepair = new Option<string>("--read-repair") { Description = "leaderless: on or off", DefaultValueFactory = _ => "on" };
        var partitions = new Option<string?>("--partitions") { Description = "Partition shapes, comma-separated: one, halves, majorities-ring, bridge, primaries (default: all)" };
        var models = new Option<string?>("--consistency-models") { Description = "txn list-append, rw-register: models the history must satisfy, comma-separated (default strict-serializable)" };
        var etcdReads = new Option<string>("--etcd-reads") { Description = "etcd: linearizable (the default) or serializable (each member answers from its own state, possibly stale)", DefaultValueFactory = _ => "linearizable" };
        var readMode = new Option<string>("--read-mode") { Description = "Raft reads: log, index (ReadIndex) or lease (leader lease; unsafe under clock skew)", DefaultValueFactory = _ => "log" };
        var fencing = new Option<string>("--fencing") { Description = "Lock service storage fencing tokens: on or off", DefaultValueFactory = _ => "on" };
        var workload = new Option<string>("--workload") { Description = "raft: register (read/write/cas on independent keys) or lock (acquire, fenced write, release); etcd: register or lock-set (adds to a set under etcd's lock); txn, 2pc: list-append, rw-register, bank or on-call; leader, multi-leader, leaderless: register, set or counter", DefaultValueFactory = _ => "register" };
        var nemesis = new Option<string>("--nemesis") { Description = "Faults, comma-separated: partition, pause, kill, crash (2pc: kill -9 between commit messages), clock, loss; 'none' for none", DefaultValueFactory = _ => "none" };
        var scenario = new Option<string?>("--scenario") { Description = "A targeted fault schedule instead of random faults: leader-lease, isolate-leader, isolate-one (cut one random node off for twice the interval), pause-one (stop one random node for twice the interval)" };
        var interval = new Option<double>("--nemesis-interval") { Description = "Mean seconds between fault operations", DefaultValueFactory = _ => 5 };
        var nodes = new Option<int>("--nodes") { Description = "Cluster size", DefaultValueFactory = _ => 3 };
        var concurrency = new Option<int>("--concurrency") { Description = "Client workers", DefaultValueFactory = _ => 10 };
        var timeLimit = new Option<double>("--time-limit") { Description = "Seconds of client ops and faults, before healing", DefaultValueFactory = _ => 60 };
        var rate = new Option<double>("--rate") { Description = "Client ops per second across all workers (0: unlimited)", DefaultValueFactory = _ => 200 };
        var keyShift = new Option<int>("--txns-per-key-shift") { Description = "list-append, rw-register: transactions after which the window of active keys moves on by one (larger: longer lists, keys read across more faults)", DefaultValueFactory = _ => 32 };
        var readWeight = new Option<int>("--read-weight") { Description = "Register workload: reads for every write and every cas", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of every random choice (printed; the same seed replays the op and fault schedule)" };
        var store = new Option<string>("--store") { Description = "Where runs are kept", DefaultValueFactory = _ => "store" };
        var nodeProgram = new Option<string?>("--node-program") { Description = "Path to ddia-node.dll (./ddia-verify sets it)" };
        var name = new Option<string?>("--name") { Description = "The test's name in the store (made from the options by default)" };
        var loopback = new Option<bool>("--loopback") { Description = "Loopback addresses, no network namespaces (no partitions or loss); the default without root" };
        var command = new Command("run", "Run a test on a real local cluster: start the nodes, inject faults, record the history, check it, write the report.")
        {
            system, isolation, unsafeHeuristic, replication, reads, failover, conflicts, n, w, r, sloppyQuorum, readRepair, partitions, models, etcdReads, readMode, fencing, workload, nemesis, scenario, interval, nodes, concurrency, timeLimit, rate, readWeight, keyShift, seed, store, nodeProgram, loopback, name,
        };
        command.SetAction(parse =>
        {
            var options = new RunOptions
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
                Loopback = parse.GetValue(loopback) || TestComposer.NamespacesUnavailable() is not null,
            };
            var console = Consoles.For(stdout);
            var outcome = Execute(options, console, out _);
            return outcome.Status switch
            {
                "interrupted" => Interrupted,
                "crashed" => ExitCodes.InternalError,
                _ => ExitCodes.Of(outcome.Result!.Validity),
            };
        });
        return command;
    }

    /// <summary>Runs one test with progress on <paramref name="console"/>; Ctrl-C and SIGTERM end it cleanly.</summary>
    public static RunOutcome Execute(RunOptions options, IAnsiConsole console, out string reportPath)
    {
        var spec = TestComposer.Compose(options, out var unavailable);
        console.MarkupLine($"[bold]{Markup.Escape(spec.Name)}[/]: {options.Nodes} nodes, {options.Concurrency} clients, {options.TimeLimit.TotalSeconds:0} s, seed [bold]{options.Seed}[/]");
        if (options.Loopback && TestComposer.NamespacesUnavailable() is { } why) console.MarkupLine($"[yellow]nodes on loopback addresses:[/] {Markup.Escape(why)}");
        foreach (var u in unavailable) console.MarkupLine($"[yellow]unavailable here:[/] {Markup.Escape(u)}");

        using var interrupt = new CancellationTokenSource();
        // First Ctrl-C/SIGTERM: stop and clean up. The handler keeps the process alive until the run has torn down.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            if (interrupt.IsCancellationRequested) return;
            console.MarkupLine("[yellow]interrupted: healing faults and tearing the cluster down…[/]");
            interrupt.Cancel();
        }

        var progress = new RunProgress(console, options.TimeLimit);
        var run = Runner.RunAsync(spec, options.Store, TimeProvider.System, interrupt.Token, progress.Hooks);
        var (store, outcome) = progress.ShowWhile(run).GetAwaiter().GetResult();
        console.Write(VerdictTable.Of(outcome));
        if (outcome.Error is { } error) console.MarkupLine($"[red]{Markup.Escape(error)}[/]");
        var verdict = outcome.Result?.Validity ?? Validity.Unknown;
        console.MarkupLine($"verdict: [{VerdictTable.Colour(verdict)}]{verdict.Name()}[/]   report: [blue]{Markup.Escape(store.ReportPath)}[/]");
        var relative = Path.GetRelativePath(System.Environment.CurrentDirectory, store.ReportPath);
        reportPath = relative.StartsWith("..", StringComparison.Ordinal) ? store.ReportPath : relative;
        return outcome;
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
