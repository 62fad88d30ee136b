using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Txn;

/// <summary>How to run ddia-node's transactional store (<c>--system txn</c>, DESIGN.md §4, DDIA ch. 7).</summary>
public sealed record TxnDbOptions
{
    /// <summary>The node program: a <c>ddia-node.dll</c> (run with <see cref="DotnetHost"/>) or an executable. Required.</summary>
    [Required] public required string NodeProgram { get; init; }

    /// <summary>The <c>dotnet</c> host on the nodes, for a dll. The default value is <c>$DOTNET_HOST_PATH</c> or <c>/usr/bin/dotnet</c>.</summary>
    public string DotnetHost { get; init; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet";

    /// <summary>read-committed, snapshot, serializable (SSI), 2pl or serial. The default value is serializable.</summary>
    [RegularExpression("^(read-committed|snapshot|serializable|2pl|serial)$")] public string Isolation { get; init; } = "serializable";

    /// <summary>The client HTTP port. The default value is 8080.</summary>
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    /// <summary>How long a started node may take to answer <c>GET /admin/status</c>. The default value is 15 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public TxnClientOptions ClientOptions => new() { HttpPort = HttpPort };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero);
    }
}

/// <summary>
/// A single-node transactional database: ddia-node <c>--system txn</c> on the test's first node (the primary; the other
/// nodes run nothing, and faults aimed at them do nothing). Kill is SIGKILL and keeps the write-ahead log, which the
/// restarted node recovers from. Clients of every node talk to the primary (<see cref="TxnClient"/>).
/// </summary>
public sealed class TxnDb : DaemonDb
{
    private readonly TxnDbOptions options;

    public TxnDb(TxnDbOptions options)
        : base(Spec(options)) => this.options = options;

    public TxnDbOptions Options => options;

    /// <summary>The node that runs the database.</summary>
    public static Node Primary(TestContext test)
    {
        ArgumentNullException.ThrowIfNull(test);
        return test.Nodes[0];
    }

    public override async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (node.Name == Primary(test).Name) await StartAsync(test, node, cancellation).ConfigureAwait(false);
    }

    public override Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var dir = test.Remote.NodeDirectory(node);
        var (executable, args) = DdiaNode.Command(options.NodeProgram, options.DotnetHost);
        args.AddRange([
            "--system", "txn", "--id", "1",
            "--listen-http", $"{node.Address}:{options.HttpPort.ToString(CultureInfo.InvariantCulture)}",
            "--data", Join(dir, "data"),
            "--isolation", options.Isolation,
        ]);
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
