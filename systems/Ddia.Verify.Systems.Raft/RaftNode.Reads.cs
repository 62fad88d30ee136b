using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft;

// Heartbeat rounds, and the reads that need no log entry: ReadIndex and the leader lease (dissertation §6.4).
public sealed partial class RaftNode
{
    // A leader cut off from its followers starts a round every heartbeat and confirms none. Forgetting the oldest
    // starts keeps memory bounded, and is safe: a round whose start is forgotten extends no lease when confirmed.
    private const int MaxUnconfirmedRounds = 1024;

    private void Heartbeat(LeaderState leader)
    {
        leader.NextHeartbeatMs = nowMs + options.HeartbeatIntervalMs;
        Broadcast(leader);
    }

    /// <summary>Starts a heartbeat round and sends every follower an AppendEntries that carries it.</summary>
    private void Broadcast(LeaderState leader)
    {
        leader.RoundRequested = false;
        leader.ReplicationRequested = false;
        leader.Round++;
        leader.RoundStarts.Enqueue((leader.Round, wallMs));
        if (leader.RoundStarts.Count > MaxUnconfirmedRounds) leader.RoundStarts.Dequeue();
        foreach (var peer in peers) SendAppend(leader, peer, leader.Peers[peer]);
        AdvanceRounds(leader);
    }

    private void FlushLeader(LeaderState leader)
    {
        if (leader.RoundRequested) Broadcast(leader);
        else if (leader.ReplicationRequested) Replicate(leader);
    }

    /// <summary>
    /// The read waits for a round that starts after it arrived: a majority answering that round proves that no
    /// other leader had been elected by then, so nothing newer than our commit index can have been acknowledged.
    /// The index is at least this term's no-op: until that is applied our state machine may lag earlier leaders.
    /// </summary>
    private void ReadIndex(LeaderState leader, long requestId, string key)
    {
        leader.Reads.Add(new PendingRead(requestId, key, Math.Max(commitIndex, leader.TermStartIndex), leader.Round + 1));
        leader.RoundRequested = true;
    }

    /// <summary>The lease stands in for the round (round 0 is always confirmed); the read still waits until this
    /// leader has applied its commit index and its no-op.</summary>
    private void LeaseRead(LeaderState leader, long requestId, string key)
    {
        leader.Reads.Add(new PendingRead(requestId, key, Math.Max(commitIndex, leader.TermStartIndex), 0));
        ServeReads(leader);
    }

    /// <summary>
    /// Confirms the highest round a majority has answered, extends the lease from when that round started (by the
    /// wall clock: a clock set back after that makes the lease look longer, which is the textbook flaw), and
    /// serves the reads that became ready.
    /// </summary>
    private void AdvanceRounds(LeaderState leader)
    {
        var acked = new long[options.Members.Count];
        acked[0] = leader.Round;
        for (var i = 0; i < peers.Length; i++) acked[i + 1] = leader.Peers[peers[i]].AckedRound;
        Array.Sort(acked);
        var confirmed = acked[acked.Length - Quorum];
        if (confirmed <= leader.ConfirmedRound) return;
        leader.ConfirmedRound = confirmed;
        while (leader.RoundStarts.TryPeek(out var start) && start.Round <= confirmed)
        {
            leader.RoundStarts.Dequeue();
            leader.LeaseExpiresWallMs = Math.Max(leader.LeaseExpiresWallMs, start.WallMs + options.LeaseMs);
        }
        ServeReads(leader);
    }

    private void ServeReads(LeaderState leader)
    {
        if (leader.Reads.Count == 0) return;
        leader.Reads.RemoveAll(read =>
        {
            if (read.Round > leader.ConfirmedRound || read.ReadIndex > lastApplied) return false;
            responses.Add(new ClientResponse(read.RequestId, ResponseStatus.Completed, new CommandResult(true, stateMachine.Read(read.Key))));
            return true;
        });
    }

    /// <summary>A leader stepping down answers its waiting reads: they did nothing, and now cannot be served.</summary>
    private void FailReads(LeaderState leader)
    {
        foreach (var read in leader.Reads) responses.Add(new ClientResponse(read.RequestId, ResponseStatus.NotLeader));
        leader.Reads.Clear();
    }
}
