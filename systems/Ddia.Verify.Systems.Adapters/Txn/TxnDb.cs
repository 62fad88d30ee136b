using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Txn;

/// <summary>How to run ddia-node's transactional store: one node (<c>--system txn</c>, DDIA ch. 7), or hash partitions
/// over every node with two-phase commit (<c>--system 2pc</c>, DDIA ch. 9).</summary>
public sealed record TxnDbOptions
{
    /// <summary>txn (a single-node store) or 2pc (every node a partition, and a coordinator for its clients). The
    /// default value is txn.</summary>
    [RegularExpression("^(txn|2pc)$")] public string System { get; init; } = "txn";

    /// <summary>2pc: participants decide alone after a timeout and the coordinator does not log its decision first
    /// (the textbook atomicity break). The default value is false.</summary>
    public bool UnsafeHeuristic { get; init; }

    /// <summary>The node program: a <c>ddia-node.dll</c> (run with <see cref="DotnetHost"/>) or an executable. Required.</summary>
    [Required] public required string NodeProgram { get; init; }

    /// <summary>The <c>dotnet</c> host on the nodes, for a dll. The default value is <c>$DOTNET_HOST_PATH</c> or <c>/usr/bin/dotnet</c>.</summary>
    public string DotnetHost { get; init; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet";

    /// <summary>read-committed, snapshot, serializable (SSI), 2pl or serial (2pc: a lock-based one, read-committed, 2pl or
    /// serial). The default value is serializable.</summary>
    [RegularExpression("^(read-committed|snapshot|serializable|2pl|serial)$")] public string Isolation { get; init; } = "serializable";

    /// <summary>The client HTTP port. The default value is 8080.</summary>
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    /// <summary>How long a started node may take to answer <c>GET /admin/status</c>. The default value is 15 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Under 2pc each client talks to its own node, which coordinates its transactions.</summary>
    public TxnClientOptions ClientOptions => new() { HttpPort = HttpPort, OwnNode = System == "2pc" };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero);
        if (System == "2pc" && Isolation is not ("read-committed" or "2pl" or "serial"))
            throw new ValidationException($"2pc needs a lock-based isolation level (read-committed, 2pl or serial), not {Isolation}: snapshots are per partition");
        if (UnsafeHeuristic && System != "2pc") throw new ValidationException("UnsafeHeuristic is a 2pc setting");
    }
}

/// <summary>
/// ddia-node's transactional store. <c>txn</c>: one node, the test's first (the primary; the other nodes run nothing,
/// and faults aimed at them do nothing), and clients of every node talk to it. <c>2pc</c>: every node runs a partition
/// and coordinates the transactions of the clients bound to it (<see cref="TxnClient"/>). Kill is SIGKILL and keeps
/// the write-ahead logs (and the coordinator's decision log), which the restarted node recovers from.
/// </summary>
public sealed class TxnDb : DaemonDb
{
    private readonly TxnDbOptions options;

    public TxnDb(TxnDbOptions options)
        : base(Spec(options)) => this.options = options;

    public TxnDbOptions Options => options;

    /// <summary>The node that runs the single-node store (and seeds the data under 2pc).</summary>
    public static Node Primary(TestContext test)
    {
        ArgumentNullException.ThrowIfNull(test);
        return test.Nodes[0];
    }

    public override async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (options.System == "2pc" || node.Name == Primary(test).Name) await StartAsync(test, node, cancellation).ConfigureAwait(false);
    }

    public override Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var dir = test.Remote.NodeDirectory(node);
        var (executable, args) = DdiaNode.Command(options.NodeProgram, options.DotnetHost);
        DdiaNode.AddNodeArgs(args, test, node, options.System, options.HttpPort, Join(dir, "data"), peersOverHttp: options.System == "2pc");
        args.AddRange(["--isolation", options.Isolation]);
        if (options.UnsafeHeuristic) args.Add("--unsafe-heuristic");
        return new Daemon(executable, args, dir, LogFile(test, node), PidFile(test, node));
    }

    private static DaemonSpec Spec(TxnDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new DaemonSpec("ddia-node", "GET /admin/status", LogName: "node.log", PidName: "node.pid", options.StartTimeout);
    }

    private protected override Task<JsonElement?> AskStatusAsync(HttpClient http, Node node, CancellationToken cancellation) =>
        DdiaNode.StatusAsync(http, node, options.HttpPort, cancellation);

    private protected override bool IsLeader(JsonElement status) => status.TryGetProperty("role", out var r) && r.GetString() == "primary";
}
