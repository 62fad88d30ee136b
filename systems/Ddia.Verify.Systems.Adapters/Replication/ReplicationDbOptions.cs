using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Systems.Adapters.Replication;

/// <summary>How to run one of ddia-node's replication systems (DDIA ch. 5) on every node: a single leader, multiple
/// leaders, or leaderless quorums. Knobs of another system than <see cref="System"/> must keep their defaults.</summary>
public sealed record ReplicationDbOptions
{
    /// <summary>leader, multi-leader or leaderless. The default value is leader.</summary>
    [RegularExpression("^(leader|multi-leader|leaderless)$")] public string System { get; init; } = "leader";

    /// <summary>The node program: a <c>ddia-node.dll</c> (run with <see cref="DotnetHost"/>) or an executable. Required.</summary>
    [Required] public required string NodeProgram { get; init; }

    /// <summary>The <c>dotnet</c> host on the nodes, for a dll. The default value is <c>$DOTNET_HOST_PATH</c> or <c>/usr/bin/dotnet</c>.</summary>
    public string DotnetHost { get; init; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet";

    /// <summary>The HTTP port every node listens on, for clients and for its peers. The default value is 8080.</summary>
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    /// <summary>How long a started node may take to answer <c>GET /admin/status</c>. The default value is 15 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>leader: how long setup waits, after a node answers, until it knows a leader. The default value is 15 s.</summary>
    public TimeSpan LeaderTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>leader: when the leader acknowledges a write: sync (every follower has it), semi-sync (one follower has
    /// it) or async (its own log has it). The default value is sync.</summary>
    [RegularExpression("^(sync|semi-sync|async)$")] public string Replication { get; init; } = "sync";

    /// <summary>leader: who serves reads: the leader only, or any node (followers may be behind). The default value is leader.</summary>
    [RegularExpression("^(leader|any)$")] public string Reads { get; init; } = "leader";

    /// <summary>leader: off, or naive (a follower that has not heard from the leader for <see cref="FailoverTimeoutMs"/>
    /// takes over). The default value is off.</summary>
    [RegularExpression("^(off|naive)$")] public string Failover { get; init; } = "off";

    /// <summary>leader: how long a follower waits for the leader before a naive failover. The default value is 1000.</summary>
    [Range(1, int.MaxValue)] public int FailoverTimeoutMs { get; init; } = 1000;

    /// <summary>multi-leader and leaderless: how concurrent writes are resolved: lww (last write wins, by the writer's
    /// wall clock) or version-vectors (concurrent values are kept as siblings). The default value is version-vectors.</summary>
    [RegularExpression("^(lww|version-vectors)$")] public string Conflicts { get; init; } = "version-vectors";

    /// <summary>leaderless: replicas per key; null for every node. The default value is null.</summary>
    [Range(1, 1000)] public int? N { get; init; }

    /// <summary>leaderless: acks a write waits for; null for a majority of N. The default value is null.</summary>
    [Range(1, 1000)] public int? W { get; init; }

    /// <summary>leaderless: replies a read waits for; null for a majority of N. The default value is null.</summary>
    [Range(1, 1000)] public int? R { get; init; }

    /// <summary>leaderless: writes go to reachable nodes outside the key's replicas when its replicas are down, with a
    /// hint to hand them back (hinted handoff). The default value is false.</summary>
    public bool SloppyQuorum { get; init; }

    /// <summary>leaderless: a read that sees stale replicas writes the newest value back to them. The default value is true.</summary>
    public bool ReadRepair { get; init; } = true;

    /// <summary>The client options matching this system: its port; under a single leader with reads from any node,
    /// reads go to the client's own node; under version vectors, register writes read first, so a write replaces
    /// the siblings it saw instead of adding one more.</summary>
    public ReplicationClientOptions ClientOptions => new()
    {
        HttpPort = HttpPort,
        ReadsFromOwnNode = System == "leader" && Reads == "any",
        ReadBeforeWrite = System != "leader" && Conflicts == "version-vectors",
    };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaderTimeout, TimeSpan.Zero);
        var defaults = new ReplicationDbOptions { NodeProgram = NodeProgram };
        if (System != "leader"
            && (Replication != defaults.Replication || Reads != defaults.Reads || Failover != defaults.Failover || FailoverTimeoutMs != defaults.FailoverTimeoutMs))
            throw new ValidationException($"Replication, Reads, Failover and FailoverTimeoutMs are single-leader settings, not {System}'s");
        if (System == "leader" && Conflicts != defaults.Conflicts)
            throw new ValidationException("Conflicts is a multi-leader and leaderless setting: a single leader orders every write");
        if (System != "leaderless" && (N is not null || W is not null || R is not null || SloppyQuorum || ReadRepair != defaults.ReadRepair))
            throw new ValidationException($"N, W, R, SloppyQuorum and ReadRepair are leaderless settings, not {System}'s");
        if (N is { } n && (W > n || R > n)) throw new ValidationException($"W and R must be at most N ({n})");
    }
}
