using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>How clients reach etcd's v3 JSON gateway.</summary>
public sealed record EtcdClientOptions
{
    /// <summary>The client port every member listens on. The default value is 2379.</summary>
    [Range(1, 65535)] public int ClientPort { get; init; } = 2379;

    /// <summary>How long to wait for a TCP connection before the op fails. The default value is 1 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Register ops on a key k use the etcd key "{KeyPrefix}{k}"; ops without a key use "{KeyPrefix}0".
    /// The default value is "r/".</summary>
    public string KeyPrefix { get; init; } = "r/";

    /// <summary>Reads with <c>serializable: true</c>: served from the member's local state, possibly stale
    /// (DESIGN.md §7). The default value is false: linearizable reads.</summary>
    public bool SerializableReads { get; init; }

    /// <summary>lock-set: the TTL of the lease each add locks with, in seconds; never kept alive, so the lock is
    /// released when the lease expires even if its holder is stuck. The default value is 2 (etcd's minimum with its
    /// default election timeout).</summary>
    [Range(1, 3600)] public int LockTtlSeconds { get; init; } = 2;

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
    }
}
