namespace Ddia.Verify.Systems.Raft;

/// <summary>
/// The configuration of one node. Every node of a cluster must have the same values, except <see cref="Id"/>.
/// Checked once, when a <see cref="RaftNode"/> is built (<see cref="ArgumentException"/> names the bad option).
/// Times are milliseconds of the caller's monotonic clock, except <see cref="LeaseMs"/>, which is judged by the
/// wall clock.
/// </summary>
public sealed record RaftOptions
{
    /// <summary>This node.</summary>
    public required int Id { get; init; }

    /// <summary>Every voting member, this node included. Fixed for the cluster's life (no membership changes).</summary>
    public required IReadOnlyList<int> Members { get; init; }

    /// <summary>Election timeouts are drawn uniformly from [min, max). The defaults are 300 and 600.</summary>
    public long ElectionTimeoutMinMs { get; init; } = 300;

    public long ElectionTimeoutMaxMs { get; init; } = 600;

    /// <summary>How often a leader sends a heartbeat round. The default is 50; it must be below the minimum
    /// election timeout.</summary>
    public long HeartbeatIntervalMs { get; init; } = 50;

    /// <summary>The default is <see cref="Raft.ReadMode.Log"/>.</summary>
    public ReadMode ReadMode { get; init; } = ReadMode.Log;

    /// <summary>How long after starting a heartbeat round that a majority acknowledged a leader may serve
    /// <see cref="Raft.ReadMode.Lease"/> reads, by its wall clock. The default is 250. Safe with good clocks only if
    /// at most <see cref="ElectionTimeoutMinMs"/> (followers refuse votes for that long after hearing from a
    /// leader); the build rejects anything longer.</summary>
    public long LeaseMs { get; init; } = 250;

    /// <summary>Ask for pre-votes before starting an election (dissertation §9.6). The default is true.</summary>
    public bool PreVote { get; init; } = true;

    /// <summary>Whether the lock service's storage rejects writes with old tokens. The default is true;
    /// false is the textbook-broken configuration (DESIGN.md §4, the lock-service row).</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>The most entries one AppendEntries carries. The default is 256.</summary>
    public int MaxEntriesPerMessage { get; init; } = 256;

    internal void Validate()
    {
        if (Members is null || Members.Count == 0) throw new ArgumentException("there must be at least one member", nameof(Members));
        if (Members.Distinct().Count() != Members.Count) throw new ArgumentException("members must be distinct", nameof(Members));
        if (!Members.Contains(Id)) throw new ArgumentException($"the members must include this node, {Id}", nameof(Id));
        if (ElectionTimeoutMinMs <= 0 || ElectionTimeoutMaxMs <= ElectionTimeoutMinMs)
            throw new ArgumentException("election timeouts must satisfy 0 < min < max", nameof(ElectionTimeoutMinMs));
        if (HeartbeatIntervalMs <= 0 || HeartbeatIntervalMs >= ElectionTimeoutMinMs)
            throw new ArgumentException("the heartbeat interval must be positive and below the minimum election timeout", nameof(HeartbeatIntervalMs));
        if (LeaseMs <= 0 || LeaseMs > ElectionTimeoutMinMs)
            throw new ArgumentException("the lease must be positive and at most the minimum election timeout", nameof(LeaseMs));
        if (MaxEntriesPerMessage <= 0) throw new ArgumentException("must be positive", nameof(MaxEntriesPerMessage));
        if (!Enum.IsDefined(ReadMode)) throw new ArgumentException($"unknown read mode {ReadMode}", nameof(ReadMode));
    }
}
