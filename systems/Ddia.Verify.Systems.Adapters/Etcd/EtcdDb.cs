using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>
/// Runs an etcd 3.4 member on every node, through <see cref="TestContext.Remote"/> only (so one adapter serves the
/// local, Docker and SSH environments). Each node keeps its data directory (etcd/), log (etcd.log) and pid file
/// (etcd.pid) in its node directory. Setup always forms a new cluster (it removes an earlier data directory); kill is
/// SIGKILL and keeps the data, so a restarted member recovers from its fsynced WAL and rejoins. Teardown stops what
/// this adapter started and removes nothing, so the logs reach the report.
/// </summary>
public sealed class EtcdDb : IDb, IKillable, IPausable, IPrimaryAware, IHasLogFiles, IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(1);

    private readonly EtcdDbOptions options;
    // The pid of each member's daemon; null once this adapter killed it (so a stale pid file is never signalled: pids get reused).
    private readonly ConcurrentDictionary<string, int?> pids = new(StringComparer.Ordinal);
    private readonly HttpClient http;
    // One token per adapter: members of two clusters that can reach each other refuse to mix.
    private readonly string clusterToken = "ddia-" + Guid.NewGuid().ToString("N");

    public EtcdDb(EtcdDbOptions? options = null)
    {
        this.options = options ?? new EtcdDbOptions();
        this.options.Validate();
        // Per-request timeouts below; the control plane never waits long on one member.
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = StatusTimeout, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public EtcdDbOptions Options => options;

    public async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        // "--initial-cluster-state new" is ignored when a data directory exists: a leftover would rejoin an old cluster.
        await test.Remote.RunAsync(node, ["rm", "-rf", DataDirectory(test, node)], cancellation).ConfigureAwait(false);
        await StartAsync(test, node, cancellation).ConfigureAwait(false);
        // Members start in parallel: once this one knows a leader, a majority (itself included) is up and agrees.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await StatusAsync(node, cancellation).ConfigureAwait(false) is { } s && EtcdGateway.Leader(s) is not null) return;
            if (deadline.Elapsed > options.LeaderTimeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"{node.Name}: no etcd leader known after {options.LeaderTimeout.TotalSeconds} s; see {LogFile(test, node)}"));
            }
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    public async ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        // SIGCONT first: a paused member must not be left stopped if the kill is refused, and it costs nothing.
        await test.Remote.SignalAsync(node, pid, Signal.Cont, cancellation).ConfigureAwait(false);
        await KillAsync(test, node, cancellation).ConfigureAwait(false);
    }

    /// <summary>Starts the member (again) with the same data directory and waits until its client port answers
    /// (a member without a quorum still answers the status request).</summary>
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
                    $"{node.Name}: etcd (pid {pid}) did not answer {EtcdGateway.StatusPath} within {options.StartTimeout.TotalSeconds} s; see {LogFile(test, node)}"));
            }
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL; waits until the member stops answering, so that a start right after can bind its ports.</summary>
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

    /// <summary>The members whose own status names themselves as leader, asked in parallel; members that do not answer
    /// quickly are skipped. During an election or a partition there may be none, or (briefly, in different terms) two.</summary>
    public async ValueTask<IReadOnlyList<Node>> PrimariesAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var statuses = await Task.WhenAll(test.Nodes.Select(async n => (Node: n, Status: await StatusAsync(n, cancellation).ConfigureAwait(false))))
            .ConfigureAwait(false);
        return [.. statuses.Where(s => s.Status is { } st && EtcdGateway.IsLeader(st)).Select(s => s.Node)];
    }

    public IReadOnlyDictionary<string, string> LogFiles(TestContext test, Node node) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [LogFile(test, node)] = "etcd.log" };

    public void Dispose() => http.Dispose();

    /// <summary>The daemon that runs <paramref name="node"/>'s member: the whole etcd command line. Members are named
    /// after their nodes.</summary>
    public Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var dir = test.Remote.NodeDirectory(node);
        var client = MemberUrl(node, options.ClientPort);
        var peer = MemberUrl(node, options.PeerPort);
        string[] args =
        [
            "--name", node.Name,
            "--data-dir", DataDirectory(test, node),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", string.Join(',', test.Nodes.Select(n => $"{n.Name}={MemberUrl(n, options.PeerPort)}")),
            "--initial-cluster-state", "new",
            "--initial-cluster-token", clusterToken,
            // zap: 3.4's default logger (capnslog) is deprecated and says so on every start.
            "--logger", "zap",
            "--log-outputs", "stderr",
        ];
        return new Daemon(options.EtcdProgram, args, dir, LogFile(test, node), Join(dir, "etcd.pid"));
    }

    private static string MemberUrl(Node node, int port) => string.Create(CultureInfo.InvariantCulture, $"http://{node.Address}:{port}");

    private static string DataDirectory(TestContext test, Node node) => Join(test.Remote.NodeDirectory(node), "etcd");

    private static string LogFile(TestContext test, Node node) => Join(test.Remote.NodeDirectory(node), "etcd.log");

    // Node paths are the node's (Linux), not the harness's: join with '/'.
    private static string Join(string dir, string name) => dir.TrimEnd('/') + "/" + name;

    /// <summary>The pid this adapter started (null if it killed it since), or else the one in the node's pid file (a run
    /// that lost its adapter).</summary>
    private async ValueTask<int?> PidAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (pids.TryGetValue(node.Name, out var known)) return known;
        var result = await test.Remote.ExecAsync(node, ["cat", Join(test.Remote.NodeDirectory(node), "etcd.pid")], cancellation)
            .ConfigureAwait(false);
        return result.Succeeded && int.TryParse(result.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>POST /v3/maintenance/status, or null when the member does not answer within a second.</summary>
    private async Task<JsonElement?> StatusAsync(Node node, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(StatusTimeout);
        try
        {
            var answer = await EtcdGateway.PostAsync(http, EtcdGateway.Url(node, options.ClientPort, EtcdGateway.StatusPath), new JsonObject(), timeout.Token)
                .ConfigureAwait(false);
            return answer.Outcome == EtcdOutcome.Done ? answer.Body : null;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return null;
        }
    }
}
