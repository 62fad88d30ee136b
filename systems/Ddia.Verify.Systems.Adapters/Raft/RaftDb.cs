using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>
/// Runs ddia-node's Raft system on every node, through <see cref="TestContext.Remote"/> only (so one adapter
/// serves the local, Docker and SSH environments). Each node keeps its data directory, log (node.log) and pid
/// file (node.pid) in its node directory. Kill is SIGKILL and keeps the data: a restarted node recovers from its
/// fsynced log. Teardown stops what this adapter started and removes nothing, so the logs reach the report.
/// </summary>
public sealed class RaftDb : DaemonDb
{
    private readonly RaftDbOptions options;

    public RaftDb(RaftDbOptions options)
        : base(Spec(options)) => this.options = options;

    public RaftDbOptions Options => options;

    public override async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        await StartAsync(test, node, cancellation).ConfigureAwait(false);
        // Nodes start in parallel: once this one knows a leader, a majority (itself included) is up and agrees.
        await WaitForLeaderAsync(test, node, options.LeaderTimeout, cancellation).ConfigureAwait(false);
    }

    /// <summary>The daemon that runs <paramref name="node"/>: the whole ddia-node command line.</summary>
    public override Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var dir = test.Remote.NodeDirectory(node);
        var id = DdiaNode.Id(test, node);
        var (executable, args) = DdiaNode.Command(options.NodeProgram, options.DotnetHost);
        args.AddRange([
            "--system", "raft", "--id", Str(id),
            "--listen-http", $"{node.Address}:{Str(options.HttpPort)}",
            "--listen-peer", $"{node.Address}:{Str(options.PeerPort)}",
            "--data", Join(dir, "data"),
            "--read-mode", options.ReadMode,
            "--fencing", options.Fencing ? "on" : "off",
        ]);
        foreach (var peer in test.Nodes.Where(n => n.Name != node.Name))
        {
            args.AddRange(["--peer", $"{Str(DdiaNode.Id(test, peer))}={peer.Address}:{Str(options.PeerPort)}"]);
            if (options.ForwardToLeader) args.AddRange(["--peer-http", DdiaNode.PeerHttp(test, peer, options.HttpPort)]);
        }
        if (options.Seed is { } seed) args.AddRange(["--seed", Str(seed + id)]);
        return new Daemon(executable, args, dir, LogFile(test, node), PidFile(test, node));
    }

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static DaemonSpec Spec(RaftDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new DaemonSpec("ddia-node", "GET /admin/status", LogName: "node.log", PidName: "node.pid", options.StartTimeout);
    }

    /// <summary>GET /admin/status.</summary>
    private protected override Task<JsonElement?> AskStatusAsync(HttpClient http, Node node, CancellationToken cancellation) =>
        DdiaNode.StatusAsync(http, node, options.HttpPort, cancellation);

    private protected override bool IsLeader(JsonElement status) => status.TryGetProperty("role", out var r) && r.GetString() == "leader";
}
