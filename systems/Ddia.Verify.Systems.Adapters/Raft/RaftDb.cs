using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>
/// Runs ddia-node's Raft system on every node, through <see cref="TestContext.Remote"/> only (so one adapter
/// serves the local, Docker and SSH environments). Each node keeps its data directory, log (node.log) and pid
/// file (node.pid) in its node directory. Kill is SIGKILL and keeps the data: a restarted node recovers from its
/// fsynced log. Teardown stops what this adapter started and removes nothing, so the logs reach the report.
/// </summary>
public sealed class RaftDb : IDb, IKillable, IPausable, IPrimaryAware, IHasLogFiles, IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(1);

    private readonly RaftDbOptions options;
    // The pid of each node's daemon; null once this adapter killed it (so a stale pid file is never signalled: pids get reused).
    private readonly ConcurrentDictionary<string, int?> pids = new(StringComparer.Ordinal);
    private readonly HttpClient http;

    public RaftDb(RaftDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        // Per-request timeouts below; the control plane never waits long on one node.
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = StatusTimeout, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public RaftDbOptions Options => options;

    public async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        await StartAsync(test, node, cancellation).ConfigureAwait(false);
        // Nodes start in parallel: once this one knows a leader, a majority (itself included) is up and agrees.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await StatusAsync(node, cancellation).ConfigureAwait(false) is { } s
                && s.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.String)
                return;
            if (deadline.Elapsed > options.LeaderTimeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"{node.Name}: no leader known after {options.LeaderTimeout.TotalSeconds} s; see {LogFile(test, node)}"));
            }
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    public async ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        // SIGCONT first: a paused node must not be left stopped if the kill is refused, and it costs nothing.
        await test.Remote.SignalAsync(node, pid, Signal.Cont, cancellation).ConfigureAwait(false);
        await KillAsync(test, node, cancellation).ConfigureAwait(false);
    }

    /// <summary>Starts the node's daemon (again) with the same data directory and waits until its HTTP API answers.</summary>
    public async ValueTask StartAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var pid = await test.Remote.StartDaemonAsync(node, Daemon(test, node), cancellation).ConfigureAwait(false);
        pids[node.Name] = pid;
        var deadline = Stopwatch.StartNew();
        while (await StatusAsync(node, cancellation).ConfigureAwait(false) is null)
        {
            if (deadline.Elapsed > options.StartTimeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"{node.Name}: ddia-node (pid {pid}) did not answer GET /admin/status within {options.StartTimeout.TotalSeconds} s; see {LogFile(test, node)}"));
            }
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL; waits until the node stops answering, so that a start right after can bind its ports.</summary>
    public async ValueTask KillAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        await test.Remote.SignalAsync(node, pid, Signal.Kill, cancellation).ConfigureAwait(false);
        pids[node.Name] = null;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < options.StartTimeout && await StatusAsync(node, cancellation).ConfigureAwait(false) is not null)
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
    }

    public async ValueTask PauseAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is { } pid)
            await test.Remote.SignalAsync(node, pid, Signal.Stop, cancellation).ConfigureAwait(false);
    }

    public async ValueTask ResumeAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is { } pid)
            await test.Remote.SignalAsync(node, pid, Signal.Cont, cancellation).ConfigureAwait(false);
    }

    /// <summary>The nodes whose own status says leader, asked in parallel; nodes that do not answer quickly are skipped.
    /// During an election or a partition there may be none, or (briefly, in different terms) two.</summary>
    public async ValueTask<IReadOnlyList<Node>> PrimariesAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var statuses = await Task.WhenAll(test.Nodes.Select(async n => (Node: n, Status: await StatusAsync(n, cancellation).ConfigureAwait(false))))
            .ConfigureAwait(false);
        return [.. statuses.Where(s => s.Status is { } st && st.TryGetProperty("role", out var r) && r.GetString() == "leader").Select(s => s.Node)];
    }

    public IReadOnlyDictionary<string, string> LogFiles(TestContext test, Node node) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [LogFile(test, node)] = "node.log" };

    public void Dispose() => http.Dispose();

    /// <summary>The node's id for Raft: n1 → 1, or its place in the node list (from 1) for other names.</summary>
    public static int NodeId(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        if (node.Name.Length > 1 && node.Name[0] == 'n'
            && int.TryParse(node.Name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            return id;
        var index = test.Nodes.IndexOf(node);
        return index >= 0 ? index + 1 : throw new ArgumentException($"{node.Name} is not a node of this test", nameof(node));
    }

    /// <summary>The daemon that runs <paramref name="node"/>: the whole ddia-node command line.</summary>
    public Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var dir = test.Remote.NodeDirectory(node);
        var id = NodeId(test, node);
        var args = new List<string>();
        var executable = options.NodeProgram;
        if (options.NodeProgram.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            executable = options.DotnetHost;
            args.Add(options.NodeProgram);
        }
        args.AddRange([
            "--system", "raft", "--id", Str(id),
            "--listen-http", $"{node.Address}:{Str(options.HttpPort)}",
            "--listen-peer", $"{node.Address}:{Str(options.PeerPort)}",
            "--data", Join(dir, "data"),
            "--read-mode", options.ReadMode,
            "--fencing", options.Fencing ? "on" : "off",
        ]);
        foreach (var peer in test.Nodes.Where(n => n.Name != node.Name))
            args.AddRange([
                "--peer", $"{Str(NodeId(test, peer))}={peer.Address}:{Str(options.PeerPort)}",
                // Followers forward client requests to the leader, so each client can stay with its own node.
                "--peer-http", $"{Str(NodeId(test, peer))}={peer.Address}:{Str(options.HttpPort)}",
            ]);
        if (options.Seed is { } seed) args.AddRange(["--seed", Str(seed + id)]);
        return new Daemon(executable, args, dir, LogFile(test, node), Join(dir, "node.pid"));
    }

    private static string LogFile(TestContext test, Node node) => Join(test.Remote.NodeDirectory(node), "node.log");

    // Node paths are the node's (Linux), not the harness's: join with '/'.
    private static string Join(string dir, string name) => dir.TrimEnd('/') + "/" + name;

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The pid this adapter started (null if it killed it since), or else the one in the node's pid file (a run
    /// that lost its adapter).</summary>
    private async ValueTask<int?> PidAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (pids.TryGetValue(node.Name, out var known)) return known;
        var result = await test.Remote.ExecAsync(node, ["cat", Join(test.Remote.NodeDirectory(node), "node.pid")], cancellation)
            .ConfigureAwait(false);
        return result.Succeeded && int.TryParse(result.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>GET /admin/status, or null when the node does not answer within a second.</summary>
    private async Task<JsonElement?> StatusAsync(Node node, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(StatusTimeout);
        try
        {
            var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{node.Address}:{options.HttpPort}/admin/status"));
            using var response = await http.GetAsync(url, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            return await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            return null;
        }
    }
}
