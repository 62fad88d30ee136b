using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>How to run etcd 3.4 (Debian <c>etcd-server</c>) on every node (DESIGN.md §4, third-party systems).</summary>
public sealed record EtcdDbOptions
{
    /// <summary>The etcd binary on the nodes; an absolute path. The default value is /usr/bin/etcd.</summary>
    [Required] public string EtcdProgram { get; init; } = "/usr/bin/etcd";

    /// <summary>The client (gRPC and JSON gateway) port of every member. The default value is 2379.</summary>
    [Range(1, 65535)] public int ClientPort { get; init; } = 2379;

    /// <summary>The peer (Raft) port of every member. The default value is 2380.</summary>
    [Range(1, 65535)] public int PeerPort { get; init; } = 2380;

    /// <summary>How long a started member may take to answer on its client port. The default value is 15 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long setup waits, after a member answers, until it knows a leader. The default value is 15 s.</summary>
    public TimeSpan LeaderTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The client options matching these ports, for <see cref="EtcdRegisterClient"/>.</summary>
    public EtcdClientOptions ClientOptions => new() { ClientPort = ClientPort };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaderTimeout, TimeSpan.Zero);
        if (ClientPort == PeerPort) throw new ArgumentException("the client and peer ports must differ");
    }
}
