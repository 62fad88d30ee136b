using System.Runtime.InteropServices;
using System.Text.Json;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;
using Ddia.Verify.Testing;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>The cluster tests run one at a time: each owns the machine's namespaces, rules and CPU while it runs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "real clusters";
}

/// <summary>A store directory per test class, removed afterwards.</summary>
public sealed class StoreDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ddia-e2e-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>
/// The product as a user runs it: <c>./ddia-verify campaign</c> and <c>run</c> on real 3-node Raft clusters in
/// network namespaces, with real iptables partitions, SIGSTOP pauses, kill -9 and clock offsets. Every expected
/// verdict must hold on every run, and nothing may be left on the machine afterwards, Ctrl-C included.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "EndToEnd")]
public class EndToEndTests(StoreDir store) : IClassFixture<StoreDir>
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("raft-log-reads", "valid")]
    [InlineData("raft-lease-reads", "invalid")]
    [InlineData("lock-unfenced", "invalid")]
    [InlineData("lock-fenced", "valid")]
    public async Task Campaign_EachRun_GetsTheVerdictItExpects_AndLeavesNothingBehind(string run, string expected)
    {
        var runDir = await RunCampaignEntry(run, expected);

        // The faults really happened, as recorded nemesis ops, and the report and node logs are there.
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.Type == OpType.Info);
        Assert.True(File.Exists(Path.Combine(runDir, "index.html")), "no report");
        Assert.True(File.Exists(Path.Combine(runDir, "latency.png")), "no latency plot");
        foreach (var node in new[] { "n2", "n3" })
            Assert.True(File.Exists(Path.Combine(runDir, "logs", node, "node.log")), $"no log collected from {node}");
    }

    /// <summary>Every transactional campaign run; the campaign itself checks the verdict and the anomalies each must
    /// and must not find (exit 0 only when all hold).</summary>
    [Theory]
    [InlineData("txn-serializable", "valid")]
    [InlineData("txn-2pl", "valid")]
    [InlineData("txn-serial", "valid")]
    [InlineData("txn-snapshot", "invalid")]
    [InlineData("txn-read-committed", "invalid")]
    [InlineData("txn-bank-serializable", "valid")]
    [InlineData("txn-on-call-snapshot", "invalid")]
    [InlineData("txn-on-call-serializable", "valid")]
    [InlineData("txn-rw-register-2pl", "valid")]
    public async Task Campaign_TransactionalStore_EachConfiguration_GetsItsExpectedVerdictAndAnomalies(string run, string expected)
    {
        var runDir = await RunCampaignEntry(run, expected);
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        // Kills and pauses aim at the store's node, so each one really stopped it.
        Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.F is "kill" or "pause" && op.Type == OpType.Info && op.Value.ToString().Contains("n1", StringComparison.Ordinal));
    }

    /// <summary>Two-phase commit over three partitions: atomic with a durable coordinator decision, not with heuristic
    /// decisions; every node runs a partition, so every node's log is collected.</summary>
    [Theory]
    [InlineData("2pc-bank", "valid")]
    [InlineData("2pc-bank-coordinator-crash", "valid")]
    [InlineData("2pc-bank-unsafe-heuristic", "invalid")]
    public async Task Campaign_TwoPhaseCommit_AtomicOnlyWithADurableDecision(string run, string expected)
    {
        var runDir = await RunCampaignEntry(run, expected);
        foreach (var node in new[] { "n2", "n3" })
            Assert.True(File.Exists(Path.Combine(runDir, "logs", node, "node.log")), $"no log collected from {node}");
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        // The faults happened: kills, pauses or partitions; in the crash runs, a coordinator that crashed where it was
        // armed to and was restarted.
        if (run == "2pc-bank")
        {
            Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.Type == OpType.Info
                && (op.F == "start-partition" || (op.F is "kill" or "pause" && op.Value.Get("nodes") is { Items.IsEmpty: false })));
        }
        else
        {
            Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.F == "recover-crash" && op.Type == OpType.Info
                && op.Value.Get("nodes") is { Items.IsEmpty: false });
            Assert.Contains(Directory.GetFiles(Path.Combine(runDir, "logs"), "node.log", SearchOption.AllDirectories),
                log => File.ReadAllText(log).Contains("crash point reached", StringComparison.Ordinal));
        }
        // Transfers committed across partitions (not a run where nothing got through).
        Assert.True(history.Count(op => op.IsClient && op.F == "transfer" && op.Type == OpType.Ok) >= 50, "fewer than 50 transfers committed");
    }

    /// <summary>DDIA chapter 5's replication systems: each correct configuration passes and each textbook-broken one is
    /// caught with what the book says it loses, on every node's log, under faults that really happened.</summary>
    [Theory]
    [InlineData("leader-sync", "valid")]
    [InlineData("leader-async-follower-reads", "invalid")]
    [InlineData("leader-async-failover", "invalid")]
    [InlineData("leaderless-quorum", "valid")]
    [InlineData("leaderless-weak-quorum", "invalid")]
    [InlineData("leaderless-lww-clock", "invalid")]
    [InlineData("multi-leader-lww", "invalid")]
    [InlineData("multi-leader-version-vectors", "valid")]
    public async Task Campaign_Replication_EachConfiguration_GetsItsExpectedOutcome(string run, string expected)
    {
        var runDir = await RunCampaignEntry(run, expected);
        foreach (var node in new[] { "n2", "n3" })
            Assert.True(File.Exists(Path.Combine(runDir, "logs", node, "node.log")), $"no log collected from {node}");
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        // A fault that bit: a partition that cut someone off, a kill or pause that stopped a node, a clock moved.
        Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.Type == OpType.Info && op.F switch
        {
            "start-partition" => op.Value.Get("grudge") is { Kind: ValueKind.Map } grudge && grudge.Entries.Any(e => !e.Value.Items.IsEmpty),
            "kill" or "pause" => op.Value.Get("nodes") is { Items.IsEmpty: false },
            "bump-clock" or "strobe-clock" => true,
            _ => false,
        });
        Assert.True(history.Count(op => op.IsClient && op.Type == OpType.Ok && op.F is "add" or "write" or "cas") >= 30,
            "fewer than 30 writes were acknowledged: the run exercised nothing");
        if (!run.StartsWith("leader-", StringComparison.Ordinal)) return;

        // The single leader reports log positions: the report plots each follower's lag from the sampled statuses.
        Assert.True(File.Exists(Path.Combine(runDir, "replication-lag.png")), "no replication-lag plot");
        var epochs = File.ReadLines(Path.Combine(runDir, "status.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("status"))
            .Where(s => s.ValueKind == JsonValueKind.Object && s.GetProperty("role").GetString() == "leader")
            .Select(s => s.GetProperty("epoch").GetInt64())
            .ToHashSet();
        // Failover really happened in the failover run (a new leader with a new epoch), and never without it.
        if (run == "leader-async-failover") Assert.True(epochs.Count >= 2, $"no failover: leaders only in epochs {string.Join(", ", epochs)}");
        else Assert.Single(epochs);
    }

    /// <summary>
    /// Crash recovery, checked twice: the campaign's checker finds no anomaly (strict serializability, no G1a or lost
    /// update), and, directly from the history, every append acknowledged before a kill -9 is in every list read after
    /// the node came back.
    /// </summary>
    [Fact]
    public async Task Campaign_TxnCrashRecovery_KillNineLosesNoCommittedTransaction()
    {
        var runDir = await RunCampaignEntry("txn-crash-recovery", "valid");
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        var (kills, checkedPairs, lost) = CommittedAppendsAcrossKills(history);
        Assert.True(kills >= 2, $"only {kills} kill -9s happened");
        Assert.Empty(lost);
        Assert.True(checkedPairs >= 50, $"only {checkedPairs} (acknowledged append, later read) pairs spanned a kill: too few to show anything");
    }

    /// <summary>Runs one campaign entry as a user would (<c>campaign --only NAME</c>): it must meet its expectation
    /// (verdict and anomalies; exit 0), end ok with every fault it asked for available, collect the first node's log,
    /// and leave nothing behind. Returns the run's directory.</summary>
    private async Task<string> RunCampaignEntry(string run, string expected)
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root (network namespaces, iptables), as CI has");
        var (exit, output) = await Launcher.RunAsync(RunLimit, "campaign", "--only", run, "--store", store.Path, "--seed", "7");

        Assert.True(exit == 0, $"campaign run {run} did not get its expected verdict and anomalies (exit {exit})\n{output}");
        var runDir = LatestRun(run);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        Assert.Equal(expected, results.RootElement.GetProperty("validity").GetString());
        Assert.Equal("ok", results.RootElement.GetProperty("status").GetString());
        Assert.Empty(results.RootElement.GetProperty("limitations").EnumerateArray());
        Assert.True(File.Exists(Path.Combine(runDir, "logs", "n1", "node.log")), "no log collected from n1");
        Assert.Empty(MachineState.Leftovers());
        return runDir;
    }

    /// <summary>
    /// For each kill -9 of the store: the appends of transactions that completed ok before the kill began, against the
    /// reads of ok transactions invoked after the restart completed. Returns the number of kills, of (append, read) pairs compared,
    /// and the pairs where the read lacks the append (a committed transaction lost by recovery).
    /// </summary>
    private static (int Kills, int Checked, List<string> Lost) CommittedAppendsAcrossKills(IReadOnlyList<Op> history)
    {
        var invokedAt = new Dictionary<int, long>();
        var txns = new List<(long Invoked, long Completed, Value Mops)>();
        var kills = new List<(long Start, long End)>();
        long? killStart = null;
        foreach (var op in history)
        {
            if (op.Process == Op.NemesisProcess)
            {
                // A kill begins at its invocation and ends when the following start (the restart) has completed.
                if (op.F == "kill" && op.IsInvoke) killStart ??= op.Index;
                else if (op.F == "start" && op.IsCompletion && killStart is { } start)
                {
                    kills.Add((start, op.Index));
                    killStart = null;
                }
                continue;
            }
            if (!op.IsClient) continue;
            if (op.IsInvoke) invokedAt[op.Process] = op.Index;
            else if (op.Type == OpType.Ok && invokedAt.Remove(op.Process, out var invoked)) txns.Add((invoked, op.Index, op.Value));
        }

        static IEnumerable<(string F, Value Key, Value Arg)> Mops(Value txn) =>
            txn.Items.Select(m => (m.Items[0].AsText ?? "", m.Items[1], m.Items[2]));
        var checkedPairs = 0;
        var lost = new List<string>();
        foreach (var (start, end) in kills)
        {
            var before = txns.Where(t => t.Completed < start).SelectMany(t => Mops(t.Mops)).Where(m => m.F == "append").ToList();
            foreach (var after in txns.Where(t => t.Invoked > end))
            {
                foreach (var read in Mops(after.Mops).Where(m => m.F == "r" && !m.Arg.IsNil))
                {
                    foreach (var append in before.Where(a => a.Key.Equals(read.Key)))
                    {
                        checkedPairs++;
                        if (!read.Arg.Items.Contains(append.Arg)) lost.Add($"append {append.Arg} to {read.Key} acknowledged before the kill at {start}, missing from a read after it: {read.Arg}");
                    }
                }
            }
        }
        return (kills.Count, checkedPairs, lost);
    }

    [Fact]
    public async Task Run_InterruptedWithSigint_HealsTearsDownAndStillChecksWhatItRecorded()
    {
        Signals.ThrowIfSigintIsIgnored();
        using var launcher = Launcher.Start("run", "--time-limit", "120", "--nemesis", "partition,pause,clock", "--nemesis-interval", "1",
            "--store", store.Path, "--name", "sigint", "--seed", "11");
        var history = await WaitForOps("sigint", 300, launcher);
        Assert.Equal(0, Kill(launcher.Pid, SigInt));

        var exit = await launcher.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(exit == 130, $"exit {exit}, expected 130 (interrupted)\n{launcher.Output}");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(history)!, "results.json")));
        Assert.Equal("interrupted", results.RootElement.GetProperty("status").GetString());
        Assert.NotEqual("crashed", results.RootElement.GetProperty("validity").GetString());
        Assert.Empty(MachineState.Leftovers());
    }

    [Fact]
    public async Task Harness_KilledWithSigkill_LeavesAHistoryWithEveryCompletedOp_AndTheNextStartCleansUp()
    {
        using var launcher = Launcher.Start("run", "--time-limit", "120", "--nemesis", "partition,kill", "--nemesis-interval", "1",
            "--store", store.Path, "--name", "sigkill", "--seed", "13");
        var history = await WaitForOps("sigkill", 200, launcher);
        // Completions the harness had announced (its progress lines) before it died must all be on disk.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var announced = LastAnnouncedCompletions(launcher.Stdout);
        Assert.Equal(0, Kill(launcher.Pid, SigKill));
        await launcher.WaitAsync(TimeSpan.FromSeconds(30));

        var read = HistoryReader.Read(history);
        var completions = read.History.Count(op => op.IsClient && op.IsCompletion);
        Assert.True(announced > 0, $"the run printed no progress before it was killed\n{launcher.Output}");
        Assert.True(completions >= announced, $"{completions} completions on disk, but the run had announced {announced}");
        Assert.All(read.History.Where(op => op.IsCompletion && op.IsClient), op => Assert.Contains(read.History, i => i.IsInvoke && i.Process == op.Process && i.Index < op.Index));

        var (checkExit, checkOutput) = await Launcher.RunAsync(TimeSpan.FromMinutes(2), "check", Path.GetDirectoryName(history)!);
        Assert.True(checkExit is 0 or 1 or 2, $"check could not read the killed run's history (exit {checkExit})\n{checkOutput}");

        // The cluster outlived its harness; the next start (here: clean, which every run also does first) removes it.
        Assert.NotEmpty(MachineState.Leftovers());
        var (cleanExit, cleanOutput) = await Launcher.RunAsync(TimeSpan.FromMinutes(1), "clean");
        Assert.True(cleanExit == 0, cleanOutput);
        Assert.Empty(MachineState.Leftovers());
    }

    private string LatestRun(string test) =>
        LatestRunOrNull(test) ?? throw new Xunit.Sdk.XunitException($"no run directory under {Path.Combine(store.Path, test)}");

    /// <summary>The newest run directory of <paramref name="test"/> (names are UTC times), or null before the first.</summary>
    private string? LatestRunOrNull(string test)
    {
        var dir = Path.Combine(store.Path, test);
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).Order(StringComparer.Ordinal).LastOrDefault() : null;
    }

    /// <summary>Waits until the run's history holds <paramref name="lines"/> ops; returns its path.</summary>
    private async Task<string> WaitForOps(string test, int lines, Launcher launcher)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (LatestRunOrNull(test) is { } run)
            {
                var path = Path.Combine(run, "history.jsonl");
                if (File.Exists(path) && CountLines(path) >= lines) return path;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"the run never recorded {lines} ops\n{launcher.Output}");
        return "";
    }

    private static int CountLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var n = 0;
        while (reader.ReadLine() is not null) n++;
        return n;
    }

    /// <summary>ok + fail + info of the last progress line ("[running] ops N  ok N  fail N  info N …").</summary>
    private static long LastAnnouncedCompletions(string stdout)
    {
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("[running] ops", StringComparison.Ordinal));
        if (line is null) return 0;
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(string name) => long.Parse(words[Array.IndexOf(words, name) + 1], System.Globalization.CultureInfo.InvariantCulture);
        return Field("ok") + Field("fail") + Field("info");
    }

    private const int SigInt = 2;
    private const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
