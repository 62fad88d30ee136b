using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Replication;

/// <summary>
/// Runs one of ddia-node's replication systems (<c>--system leader|multi-leader|leaderless</c>) on every node, through
/// <see cref="TestContext.Remote"/> only. Nodes talk to each other over their client HTTP endpoints
/// (<c>--peer-http</c> for every other node). Each node keeps its data directory, log (node.log) and pid file
/// (node.pid) in its node directory; kill is SIGKILL and keeps the data, which the restarted node recovers from.
/// What the nemesis calls a primary: the single leader's leader (whoever says so), every node of the other two
/// (each takes writes).
/// </summary>
public sealed class ReplicationDb : DaemonDb
{
    private readonly ReplicationDbOptions options;

    public ReplicationDb(ReplicationDbOptions options)
        : base(Spec(options)) => this.options = options;

    public ReplicationDbOptions Options => options;

    public override async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        await StartAsync(test, node, cancellation).ConfigureAwait(false);
        if (options.System != "leader") return;
        // Nodes start in parallel; a follower refuses writes until it knows whom to send clients to.
        await WaitForLeaderAsync(test, node, options.LeaderTimeout, cancellation).ConfigureAwait(false);
    }

    /// <summary>The daemon that runs <paramref name="node"/>: the whole ddia-node command line, with only the knobs of
    /// <see cref="ReplicationDbOptions.System"/>.</summary>
    public override Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var dir = test.Remote.NodeDirectory(node);
        var (executable, args) = DdiaNode.Command(options.NodeProgram, options.DotnetHost);
        DdiaNode.AddNodeArgs(args, test, node, options.System, options.HttpPort, Join(dir, "data"), peersOverHttp: true);
        switch (options.System)
        {
            case "leader":
                args.AddRange(["--replication", options.Replication, "--reads", options.Reads, "--failover", options.Failover,
                    "--failover-timeout-ms", Str(options.FailoverTimeoutMs)]);
                break;
            case "multi-leader":
                args.AddRange(["--conflicts", options.Conflicts]);
                break;
            default:
                if (options.N is { } n) args.AddRange(["--n", Str(n)]);
                if (options.W is { } w) args.AddRange(["--w", Str(w)]);
                if (options.R is { } r) args.AddRange(["--r", Str(r)]);
                if (options.SloppyQuorum) args.Add("--sloppy-quorum");
                args.AddRange(["--read-repair", options.ReadRepair ? "on" : "off", "--conflicts", options.Conflicts]);
                break;
        }
        return new Daemon(executable, args, dir, LogFile(test, node), PidFile(test, node));
    }

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static DaemonSpec Spec(ReplicationDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new DaemonSpec("ddia-node", "GET /admin/status", LogName: "node.log", PidName: "node.pid", options.StartTimeout);
    }

    private protected override Task<JsonElement?> AskStatusAsync(HttpClient http, Node node, CancellationToken cancellation) =>
        DdiaNode.StatusAsync(http, node, options.HttpPort, cancellation);

    private protected override bool IsLeader(JsonElement status) => IsPrimary(status);

    /// <summary>Whether a node's status makes it a primary: role "leader" (the single leader's leader, every
    /// multi-leader node) or "replica" (every leaderless node takes writes).</summary>
    internal static bool IsPrimary(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String
        && r.GetString() is "leader" or "replica";
}
