using System.Runtime.InteropServices;
using System.Text.Json;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

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
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root (network namespaces, iptables), as CI has");
        var (exit, output) = await Launcher.RunAsync(RunLimit, "campaign", "--only", run, "--store", store.Path, "--seed", "7");

        Assert.True(exit == 0, $"campaign run {run} did not get its expected verdict (exit {exit})\n{output}");
        var runDir = LatestRun(run);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        Assert.Equal(expected, results.RootElement.GetProperty("validity").GetString());
        Assert.Equal("ok", results.RootElement.GetProperty("status").GetString());
        Assert.Empty(results.RootElement.GetProperty("limitations").EnumerateArray());

        // The faults really happened, as recorded nemesis ops, and the report and node logs are there.
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.Type == OpType.Info);
        Assert.True(File.Exists(Path.Combine(runDir, "index.html")), "no report");
        Assert.True(File.Exists(Path.Combine(runDir, "latency.png")), "no latency plot");
        foreach (var node in new[] { "n1", "n2", "n3" })
            Assert.True(File.Exists(Path.Combine(runDir, "logs", node, "node.log")), $"no log collected from {node}");
        Assert.Empty(MachineState.Leftovers());
    }

    [Theory]
    [InlineData("txn-serializable", "valid", "")]
    [InlineData("txn-2pl", "valid", "")]
    [InlineData("txn-serial", "valid", "")]
    [InlineData("txn-snapshot", "invalid", "G2-item")]
    [InlineData("txn-read-committed", "invalid", "lost-update")]
    public async Task Campaign_TransactionalStore_EachIsolationLevel_GetsItsExpectedAnomalies(string run, string expected, string anomaly)
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root (network namespaces, iptables), as CI has");
        var (exit, output) = await Launcher.RunAsync(RunLimit, "campaign", "--only", run, "--store", store.Path, "--seed", "7");

        Assert.True(exit == 0, $"campaign run {run} did not get its expected verdict (exit {exit})\n{output}");
        var runDir = LatestRun(run);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        Assert.Equal(expected, results.RootElement.GetProperty("validity").GetString());
        var kinds = results.RootElement.GetProperty("checkers").EnumerateArray()
            .SelectMany(c => c.GetProperty("anomalies").EnumerateArray()).Select(a => a.GetProperty("kind").GetString()).ToHashSet();
        if (anomaly != "") Assert.Contains(anomaly, kinds);
        // Snapshot isolation must show write skew and nothing SI forbids.
        if (run == "txn-snapshot") Assert.DoesNotContain(kinds, k => k is "G0" or "G1a" or "G1b" or "G1c" or "lost-update" || k!.StartsWith("G-single", StringComparison.Ordinal));
        var history = HistoryReader.Read(Path.Combine(runDir, "history.jsonl")).History;
        // Kills and pauses aim at the store's node, so each one really stopped it.
        Assert.Contains(history, op => op.Process == Op.NemesisProcess && op.F is "kill" or "pause" && op.Type == OpType.Info && op.Value.ToString().Contains("n1", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(runDir, "logs", "n1", "node.log")), "no log collected from the store's node");
        Assert.Empty(MachineState.Leftovers());
    }

    [Fact]
    public async Task Run_InterruptedWithSigint_HealsTearsDownAndStillChecksWhatItRecorded()
    {
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
