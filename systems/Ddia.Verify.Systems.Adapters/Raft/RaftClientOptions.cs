using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>How clients reach ddia-node's HTTP API.</summary>
public sealed record RaftClientOptions
{
    /// <summary>The HTTP port every node listens on. The default value is 8080.</summary>
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    /// <summary>How long to wait for a TCP connection before the op fails. The default value is 1 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Register ops on a key k use the node key "{KeyPrefix}{k}"; ops without a key use "{KeyPrefix}0".
    /// The default value is "r/".</summary>
    public string KeyPrefix { get; init; } = "r/";

    /// <summary>The storage key the lock workload's fenced writes go to. The default value is "fenced".</summary>
    public string FencedKey { get; init; } = "fenced";

    /// <summary>Lease asked for by an acquire whose op names none, in ms. The default value is 1000.</summary>
    [Range(1, long.MaxValue)] public long DefaultLeaseMs { get; init; } = 1000;

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
    }
}
