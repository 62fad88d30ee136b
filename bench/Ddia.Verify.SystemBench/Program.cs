using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.SystemBench;
using Ddia.Verify.Workloads.Register;

// Raft KV (ddia-node, log reads) beside etcd 3.4 on the same three namespace nodes, one system at a time, under the
// same closed-loop load through each system's own IClient. Writes a markdown table; the goal is raft/etcd >= 1.
// --isolation-levels: the transactional store alone on loopback, no namespaces and so no root (IsolationBench.cs).
if (args.Contains("--isolation-levels"))
    return await IsolationBench.RunAsync([.. args.Where(a => a != "--isolation-levels")]);
var inv = CultureInfo.InvariantCulture;
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
if (!Environment.IsPrivilegedProcess)
{
    Console.Error.WriteLine("run as root: the nodes live in network namespaces (DESIGN.md §6)");
    return 2;
}
const string EtcdProgram = "/usr/bin/etcd";
const string RaftLog = "raft (ddia-node, log reads)";
const string RaftIndex = "raft (ddia-node, ReadIndex reads)";
if (!File.Exists(EtcdProgram))
{
    Console.Error.WriteLine($"{EtcdProgram} is missing: apt-get install -y etcd-server");
    return 2;
}
string nodeProgram;
try
{
    nodeProgram = NodeBinary.Find();
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var rounds = new List<List<SystemResult>>();
string etcdVersion;
var session = (LocalSession)await new LocalEnvironment().OpenAsync("system-bench", 3, stop.Token);
try
{
    var test = new TestContext("system-bench", session.Nodes, 1, TimeProvider.System) { Remote = session.Remote };
    etcdVersion = (await session.Remote.RunAsync(test.Nodes[0], [EtcdProgram, "--version"], stop.Token)).Split('\n')[0]
        .Replace("etcd Version: ", "", StringComparison.Ordinal).Trim();
    for (var round = 1; round <= options.Rounds; round++)
    {
        Console.WriteLine(string.Create(inv, $"round {round} of {options.Rounds}"));
        var results = new List<SystemResult>();
        using (var raft = new RaftDb(new RaftDbOptions { NodeProgram = nodeProgram, ReadMode = "log" }))
            results.Add(await MeasureAsync(test, RaftLog, raft, raft, new RaftRegisterClient(raft.Options.ClientOptions), "node.pid"));
        using (var etcd = new EtcdDb(new EtcdDbOptions { EtcdProgram = EtcdProgram }))
            results.Add(await MeasureAsync(test, $"etcd {etcdVersion} (linearizable reads)", etcd, etcd, new EtcdRegisterClient(etcd.Options.ClientOptions), "etcd.pid"));
        if (options.RaftReadIndex)
        {
            using var raft = new RaftDb(new RaftDbOptions { NodeProgram = nodeProgram, ReadMode = "index" });
            results.Add(await MeasureAsync(test, RaftIndex, raft, raft, new RaftRegisterClient(raft.Options.ClientOptions), "node.pid"));
        }
        foreach (var variable in options.RaftEnvironments)
        {
            var (name, value) = (variable[..variable.IndexOf('=', StringComparison.Ordinal)], variable[(variable.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            // The daemons inherit this process's environment when they start; unset again before the next system.
            Environment.SetEnvironmentVariable(name, value);
            try
            {
                using var raft = new RaftDb(new RaftDbOptions { NodeProgram = nodeProgram, ReadMode = "log" });
                results.Add(await MeasureAsync(test, $"raft (ddia-node, log reads, {variable})", raft, raft, new RaftRegisterClient(raft.Options.ClientOptions), "node.pid"));
            }
            finally
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
        if (options.RaftLeaderBound)
        {
            using var raft = new RaftDb(new RaftDbOptions { NodeProgram = nodeProgram, ReadMode = "log" });
            results.Add(await MeasureAsync(test, "raft (ddia-node, log reads, all clients on the leader)", raft, raft, new RaftRegisterClient(raft.Options.ClientOptions), "node.pid", leaderOnly: true));
        }
        rounds.Add(results);
    }
}
finally
{
    await session.DisposeAsync();
    foreach (var error in session.TeardownErrors) Console.Error.WriteLine($"teardown: {error}");
    // The session keeps its work directory for post-mortems; a benchmark has nothing to keep.
    if (Directory.Exists(session.WorkDirectory)) Directory.Delete(session.WorkDirectory, recursive: true);
}

MarkdownReport.Write(options.Output, Report(rounds, options, etcdVersion));
return 0;

async Task<SystemResult> MeasureAsync(TestContext test, string name, IDb db, IPrimaryAware primaries, IClient prototype, string pidFile,
    bool leaderOnly = false)
{
    Console.WriteLine($"{name}: starting on {string.Join(", ", test.Nodes.Select(n => n.Address))}");
    try
    {
        await Task.WhenAll(test.Nodes.Select(n => db.SetupAsync(test, n, stop.Token).AsTask()));
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<Node> leaders;
        while ((leaders = await primaries.PrimariesAsync(test, stop.Token)).Count != 1)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"{name}: no single leader after 20 s");
            await Task.Delay(100, stop.Token);
        }
        var pids = test.Nodes.Select(n => int.Parse(File.ReadAllText(Path.Combine(session.Remote.NodeDirectory(n), pidFile)).Trim(), inv)).ToArray();

        // CPU is read at the window's edges, beside the load (which keeps its own clock for the samples).
        var window = Task.Run(async () =>
        {
            await Task.Delay(options.WarmUp, stop.Token);
            var (server, client) = (Cpu.Seconds(pids), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
            await Task.Delay(TimeSpan.FromSeconds(options.Seconds), stop.Token);
            return (Cpu.Seconds(pids) - server, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - client);
        });
        Console.WriteLine($"{name}: {options.Clients} clients, {options.WarmUp.TotalSeconds.ToString(inv)} s warm-up + {options.Seconds.ToString(inv)} s");
        var samples = await LoadRunner.RunAsync(test, prototype, options, leaderOnly ? leaders[0] : null, stop.Token);
        var (serverCpu, clientCpu) = await window;
        var result = new SystemResult(name, samples, options.Seconds, serverCpu, clientCpu);
        Console.WriteLine(string.Create(inv, $"{name}: {result.OkPerSecond():F0} ok ops/s, p50 {result.Percentile(50):F2} ms, fail {result.Count(OpType.Fail)}, info {result.Count(OpType.Info)}"));
        return result;
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        foreach (var n in test.Nodes)
        {
            var log = Path.Combine(session.Remote.NodeDirectory(n), pidFile.Replace(".pid", ".log", StringComparison.Ordinal));
            if (File.Exists(log)) Console.Error.WriteLine($"--- {n.Name} {log} (end) ---\n{Tail(File.ReadAllText(log))}");
        }
        throw;
    }
    finally
    {
        foreach (var n in test.Nodes) await db.TeardownAsync(test, n, CancellationToken.None);
    }
}

List<string> Report(IReadOnlyList<List<SystemResult>> all, BenchOptions o, string etcd)
{
    // Per system, the round with the median ok ops/s (all rounds listed beside it).
    var systems = all[0].Select(r => r.System).ToList();
    var rs = systems.Select(name =>
    {
        var runs = all.Select(round => round.Single(r => r.System == name)).OrderBy(r => r.OkPerSecond()).ToList();
        return (Median: runs[runs.Count / 2], Rates: all.Select(round => round.Single(r => r.System == name).OkPerSecond()).ToList());
    }).ToList();
    var etcdResult = rs[1].Median;
    var lines = new List<string>
    {
        "# Raft KV vs etcd: throughput and latency",
        "",
        string.Create(inv, $"Recorded {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project bench/Ddia.Verify.SystemBench -- --rounds {o.Rounds}` (as root) on {Environment.ProcessorCount} cores, .NET {Environment.Version}, etcd {etcd}."),
        string.Create(inv, $"3 nodes, each in its own network namespace (local environment), one system at a time on the same addresses. Load: {o.Clients} closed-loop clients through each system's `IClient` (`RaftRegisterClient`, `EtcdRegisterClient`), client i on node i mod 3, 50% writes / 50% reads over {o.Keys} keys, {o.Seconds} s measured after {o.WarmUp.TotalSeconds} s warm-up; op timeout {o.OpTimeout.TotalSeconds} s (info). Both fsync their log before acknowledging. Latencies are of ok ops; CPU is the three server processes (and the load generator, which shares the cores) over the measured window. {o.Rounds} round(s), systems in the order below in each; each row is that system's median round by ok ops/s."),
        "",
        "| system | ok ops/s | per round | p50 ms | p95 ms | p99 ms | fail | info | server CPU s | server CPU ms/op | client CPU s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    };
    foreach (var (r, rates) in rs)
    {
        var perRound = string.Join(", ", rates.Select(x => x.ToString("N0", inv)));
        lines.Add(string.Create(inv,
            $"| {r.System} | {r.OkPerSecond():N0} | {perRound} | {r.Percentile(50):F2} | {r.Percentile(95):F2} | {r.Percentile(99):F2} | {r.Count(OpType.Fail)} | {r.Count(OpType.Info)} | {r.ServerCpuSeconds:F1} | {r.ServerCpuMsPerOp:F2} | {r.ClientCpuSeconds:F1} |"));
    }
    lines.Add("");
    foreach (var (r, _) in rs.Where(x => x.Median.System.StartsWith("raft", StringComparison.Ordinal)))
    {
        lines.Add(string.Create(inv,
            $"- **{r.System} / etcd: ok ops/s {r.OkPerSecond() / etcdResult.OkPerSecond():F2}** (goal ≥ 1); p50 latency {r.Percentile(50) / etcdResult.Percentile(50):F2} (below 1: raft answers faster)."));
    }
    lines.Add("");
    lines.Add("By op (same median rounds):");
    lines.Add("");
    lines.Add("| system | op | ok ops/s | p50 ms | p99 ms |");
    lines.Add("|---|---|---:|---:|---:|");
    foreach (var (r, _) in rs)
    {
        foreach (var f in new[] { RegisterOps.Write, RegisterOps.Read })
            lines.Add(string.Create(inv, $"| {r.System} | {f} | {r.OkPerSecond(f):N0} | {r.Percentile(50, f):F2} | {r.Percentile(99, f):F2} |"));
    }
    return lines;
}

static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];
