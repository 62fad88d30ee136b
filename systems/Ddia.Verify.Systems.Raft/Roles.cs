namespace Ddia.Verify.Systems.Raft;

// The volatile state that exists only in one role. A role change replaces the object, so nothing a leader
// tracked (progress, read rounds, lease) can outlive its leadership by accident. The behaviour lives in the
// RaftNode partial files, by concern.

internal abstract class RoleState
{
    public abstract RaftRole Role { get; }
}

internal sealed class FollowerState : RoleState
{
    public override RaftRole Role => RaftRole.Follower;
}

/// <summary>A pre-candidate (asking for pre-votes, term unchanged) or a candidate.</summary>
internal sealed class CandidateState(bool preVote) : RoleState
{
    public bool PreVote { get; } = preVote;

    public HashSet<int> Granted { get; } = [];

    public override RaftRole Role => PreVote ? RaftRole.PreCandidate : RaftRole.Candidate;
}

internal sealed class LeaderState(long termStartIndex) : RoleState
{
    public override RaftRole Role => RaftRole.Leader;

    /// <summary>The index of this term's no-op. Reads wait until it is applied: before that, this leader's
    /// state machine may lack entries that earlier leaders committed (dissertation §6.4).</summary>
    public long TermStartIndex { get; } = termStartIndex;

    public Dictionary<int, Progress> Peers { get; } = [];

    /// <summary>The latest heartbeat round started; every AppendEntries carries it.</summary>
    public long Round { get; set; }

    /// <summary>The latest round a majority (this node included) has acknowledged.</summary>
    public long ConfirmedRound { get; set; }

    /// <summary>Reads are waiting for a round that has not started yet: start one when the batch is taken, so
    /// that all reads of a batch share one round of messages.</summary>
    public bool RoundRequested { get; set; }

    /// <summary>New entries wait to be sent when the batch is taken, one message per follower.</summary>
    public bool ReplicationRequested { get; set; }

    /// <summary>The wall time at which each unconfirmed round started, oldest first.</summary>
    public Queue<(long Round, long WallMs)> RoundStarts { get; } = new();

    public long LeaseExpiresWallMs { get; set; } = long.MinValue;

    public List<PendingRead> Reads { get; } = [];

    public long NextHeartbeatMs { get; set; }
}

/// <summary>
/// What the leader knows of one follower's log. <see cref="Probing"/>: the leader does not know where the logs
/// agree, so it sends one message at a time and backs off on each rejection; otherwise it pipelines, moving
/// <see cref="Next"/> past what it sent without waiting.
/// </summary>
internal sealed class Progress(long next)
{
    public long Next { get; set; } = next;

    public long Match { get; set; }

    public bool Probing { get; set; } = true;

    public long AckedRound { get; set; }
}

/// <summary>A read that waits for its heartbeat round (<see cref="Round"/>) to be confirmed and for
/// <see cref="ReadIndex"/> to be applied.</summary>
internal sealed record PendingRead(long RequestId, string Key, long ReadIndex, long Round);
