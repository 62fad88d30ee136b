using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>
/// Runs an etcd 3.4 member on every node, through <see cref="TestContext.Remote"/> only (so one adapter serves the
/// local, Docker and SSH environments). Each node keeps its data directory (etcd/), log (etcd.log) and pid file
/// (etcd.pid) in its node directory. Setup always forms a new cluster (it removes an earlier data directory); kill is
/// SIGKILL and keeps the data, so a restarted member recovers from its fsynced WAL and rejoins. Teardown stops what
/// this adapter started and removes nothing, so the logs reach the report.
/// </summary>
public sealed class EtcdDb : DaemonDb
{
    private readonly EtcdDbOptions options;
    // One token per adapter: members of two clusters that can reach each other refuse to mix.
    private readonly string clusterToken = "ddia-" + Guid.NewGuid().ToString("N");

    public EtcdDb(EtcdDbOptions? options = null)
        : base(Spec(options ??= new EtcdDbOptions())) => this.options = options;

    public EtcdDbOptions Options => options;

    public override async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        // "--initial-cluster-state new" is ignored when a data directory exists: a leftover would rejoin an old cluster.
        await test.Remote.RunAsync(node, ["rm", "-rf", DataDirectory(test, node)], cancellation).ConfigureAwait(false);
        await StartAsync(test, node, cancellation).ConfigureAwait(false);
        // Members start in parallel: once this one knows a leader, a majority (itself included) is up and agrees.
        await WaitUntilAsync(test, node, async c => await StatusAsync(node, c).ConfigureAwait(false) is { } s && EtcdGateway.Leader(s) is not null,
            options.LeaderTimeout, string.Create(CultureInfo.InvariantCulture, $"no etcd leader known after {options.LeaderTimeout.TotalSeconds} s"),
            cancellation).ConfigureAwait(false);
    }

    /// <summary>The daemon that runs <paramref name="node"/>'s member: the whole etcd command line. Members are named
    /// after their nodes.</summary>
    public override Daemon Daemon(TestContext test, Node node)
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
        return new Daemon(options.EtcdProgram, args, dir, LogFile(test, node), PidFile(test, node));
    }

    private static string MemberUrl(Node node, int port) => string.Create(CultureInfo.InvariantCulture, $"http://{node.Address}:{port}");

    private static string DataDirectory(TestContext test, Node node) => NodeFile(test, node, "etcd");

    private static DaemonSpec Spec(EtcdDbOptions options)
    {
        options.Validate();
        return new DaemonSpec("etcd", EtcdGateway.StatusPath, LogName: "etcd.log", PidName: "etcd.pid", options.StartTimeout);
    }

    /// <summary>POST /v3/maintenance/status.</summary>
    private protected override async Task<JsonElement?> AskStatusAsync(HttpClient http, Node node, CancellationToken cancellation)
    {
        var answer = await EtcdGateway.PostAsync(http, NodeHttp.Url(node, options.ClientPort, EtcdGateway.StatusPath), new JsonObject(), cancellation)
            .ConfigureAwait(false);
        return answer.Outcome == EtcdOutcome.Done ? answer.Body : null;
    }

    /// <summary>Whether the member's status names itself as leader.</summary>
    private protected override bool IsLeader(JsonElement status) => EtcdGateway.IsLeader(status);
}
