using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft;

public enum ResponseStatus
{
    /// <summary>The command was applied (or the read served); <see cref="ClientResponse.Result"/> says how it went.</summary>
    Completed,

    /// <summary>Definitely not applied: this node is not the leader, or stopped being it before a read was served.</summary>
    NotLeader,

    /// <summary>Definitely not applied: another entry was committed at the index this proposal had.</summary>
    Superseded,
}

/// <summary>
/// The answer to one <see cref="RaftNode.Propose"/> or <see cref="RaftNode.Read"/>, matched by the caller's request
/// id. Every answer is definite. A proposal whose fate is unknown gets no answer yet: it stays pending (also
/// across a change of leader) until its index is applied here; the caller's own timeout is what turns such a
/// wait into "unknown" for the client.
/// </summary>
public sealed record ClientResponse(long RequestId, ResponseStatus Status, CommandResult? Result = null, int? LeaderHint = null)
{
    /// <summary>For an applied command, the log index it was applied at: the order in which commands took effect.</summary>
    public long? Index { get; init; }
}
