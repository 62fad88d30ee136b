using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>How to run ddia-node's Raft system on every node (DESIGN.md §4, the raft and lock-service rows).</summary>
public sealed record RaftDbOptions
{
    /// <summary>The node program on the nodes: a <c>ddia-node.dll</c> (run with <see cref="DotnetHost"/>) or an
    /// apphost/self-contained executable (run directly). Required.</summary>
    [Required] public required string NodeProgram { get; init; }

    /// <summary>The <c>dotnet</c> host on the nodes, for a dll <see cref="NodeProgram"/>; an absolute path. The default
    /// value is <c>$DOTNET_HOST_PATH</c> of the harness, or <c>/usr/bin/dotnet</c>.</summary>
    public string DotnetHost { get; init; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet";

    /// <summary>How reads are served: "log", "index" (ReadIndex) or "lease". The default value is "log".</summary>
    [RegularExpression("^(log|index|lease)$")] public string ReadMode { get; init; } = "log";

    /// <summary>Whether the storage refuses writes under a token older than the highest it has seen. The default value is true.</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>The client HTTP port of every node. The default value is 8080.</summary>
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    /// <summary>The peer (Raft) TCP port of every node. The default value is 7000.</summary>
    [Range(1, 65535)] public int PeerPort { get; init; } = 7000;

    /// <summary>How long a started node may take to answer <c>GET /admin/status</c>. The default value is 15 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long setup waits, after a node answers, until it knows a leader. The default value is 15 s.</summary>
    public TimeSpan LeaderTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Passed as <c>--seed</c> (plus the node id) so elections replay; null lets each node pick. The default value is null.</summary>
    public int? Seed { get; init; }

    /// <summary>Followers forward client requests to the leader (<c>--peer-http</c>), so a client may stay with its own
    /// node, as Jepsen's do. Off: a follower refuses with not-leader and names the leader. The default is on.</summary>
    public bool ForwardToLeader { get; init; } = true;

    /// <summary>The client options matching these ports, for <see cref="RaftRegisterClient"/> and <see cref="RaftLockClient"/>.</summary>
    public RaftClientOptions ClientOptions => new() { HttpPort = HttpPort };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaderTimeout, TimeSpan.Zero);
    }
}
