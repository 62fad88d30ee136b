using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Systems.Raft;

/// <summary>
/// Everything a <see cref="RaftNode"/> produced since the last <see cref="RaftNode.TakeReady"/>, like etcd raft's
/// Ready. The caller handles it in this order, which is the durability contract:
/// <list type="number">
/// <item><see cref="ToPersist"/>: make it durable (fsync) first. Every message and response below may depend on
/// it: a vote, an acknowledgement of entries, a commit counted with the leader's own new entries.</item>
/// <item><see cref="ToSend"/>: then send, in any order; losing some is fine.</item>
/// <item><see cref="Responses"/>: then answer clients.</item>
/// </list>
/// <see cref="Applied"/> is informational: the core has already applied those entries to its state machine.
/// </summary>
public sealed class Ready
{
    internal Ready(StorageWrite? toPersist, IReadOnlyList<RaftMessage> toSend, IReadOnlyList<LogEntry> applied,
        IReadOnlyList<ClientResponse> responses)
    {
        ToPersist = toPersist;
        ToSend = toSend;
        Applied = applied;
        Responses = responses;
    }

    /// <summary>The changes to durable state, or null when there are none.</summary>
    public StorageWrite? ToPersist { get; }

    public IReadOnlyList<RaftMessage> ToSend { get; }

    /// <summary>Committed entries applied to the state machine in this batch, in log order.</summary>
    public IReadOnlyList<LogEntry> Applied { get; }

    public IReadOnlyList<ClientResponse> Responses { get; }

    public bool IsEmpty => ToPersist is null && ToSend.Count == 0 && Applied.Count == 0 && Responses.Count == 0;
}
