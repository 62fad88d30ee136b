using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft;

// Log replication (Raft §5.3), the commit rule (§5.4.2) and applying committed entries.
public sealed partial class RaftNode
{
    private LogEntry AppendAsLeader(LeaderState leader, Command command)
    {
        var entry = new LogEntry(log.LastIndex + 1, currentTerm, command);
        log.Append(entry);
        leader.ReplicationRequested = true;
        return entry;
    }

    /// <summary>Sends <paramref name="peer"/> the entries from its next index (none: a heartbeat). A pipelining
    /// follower's next index moves past them at once; a probed one waits for the answer.</summary>
    private void SendAppend(LeaderState leader, int peer, Progress progress)
    {
        var last = Math.Min(log.LastIndex, progress.Next + options.MaxEntriesPerMessage - 1);
        var entries = log.Slice(progress.Next, last);
        var prev = progress.Next - 1;
        Send(new AppendEntries(options.Id, peer, currentTerm, prev, log.TermAt(prev), entries, commitIndex, leader.Round));
        if (!progress.Probing && entries.Count > 0) progress.Next = last + 1;
    }

    /// <summary>Sends new entries to every pipelining follower that lacks them; a probed follower gets them when it
    /// answers its probe, or with the next heartbeat.</summary>
    private void Replicate(LeaderState leader)
    {
        leader.ReplicationRequested = false;
        foreach (var peer in peers)
        {
            var progress = leader.Peers[peer];
            if (!progress.Probing && progress.Next <= log.LastIndex) SendAppend(leader, peer, progress);
        }
    }

    private void HandleAppendEntries(AppendEntries append)
    {
        if (role is LeaderState)
            throw new InvalidOperationException($"node {options.Id} leads term {currentTerm}, and so does node {append.From}: election safety is broken");
        if (role is CandidateState) BecomeFollower(currentTerm, append.From);
        leaderId = append.From;
        leaderContactUntilMs = nowMs + options.ElectionTimeoutMinMs;
        ResetElectionTimer();

        if (append.PrevLogIndex > log.LastIndex)
        {
            Send(Reject(append, log.LastIndex + 1, 0));
            return;
        }
        var prevTerm = log.TermAt(append.PrevLogIndex);
        if (prevTerm != append.PrevLogTerm)
        {
            Send(Reject(append, log.FirstIndexOfTermAt(append.PrevLogIndex), prevTerm));
            return;
        }
        foreach (var entry in append.Entries)
        {
            if (entry.Index <= log.LastIndex)
            {
                // Only a real conflict truncates: a delayed, shorter copy of an old message must not cut entries
                // we have since acknowledged.
                if (log.TermAt(entry.Index) == entry.Term) continue;
                if (entry.Index <= commitIndex)
                    throw new InvalidOperationException($"node {options.Id}: leader {append.From} would overwrite committed entry {entry.Index}");
                log.TruncateFrom(entry.Index);
            }
            log.Append(entry);
        }
        // What we now know matches the leader: through the last entry of this message, not our whole log.
        var match = append.PrevLogIndex + append.Entries.Count;
        if (append.LeaderCommit > commitIndex)
        {
            commitIndex = Math.Max(commitIndex, Math.Min(append.LeaderCommit, match));
            Apply();
        }
        Send(new AppendEntriesReply(options.Id, append.From, currentTerm, true, match, 0, 0, 0, append.Round));
    }

    private AppendEntriesReply Reject(AppendEntries append, long conflictIndex, long conflictTerm) =>
        new(options.Id, append.From, currentTerm, false, 0, append.PrevLogIndex, conflictIndex, conflictTerm, append.Round);

    private void HandleAppendEntriesReply(AppendEntriesReply reply)
    {
        if (role is not LeaderState leader || !leader.Peers.TryGetValue(reply.From, out var progress)) return;
        // Any reply in our term, success or not, shows the follower still followed us when it answered.
        progress.AckedRound = Math.Max(progress.AckedRound, reply.Round);
        if (reply.Success)
        {
            progress.Match = Math.Max(progress.Match, reply.MatchIndex);
            progress.Next = Math.Max(progress.Next, progress.Match + 1);
            progress.Probing = false;
            MaybeCommit();
            if (progress.Next <= log.LastIndex) SendAppend(leader, reply.From, progress);
        }
        else if (reply.RejectedPrevIndex > progress.Match && !(progress.Probing && reply.RejectedPrevIndex != progress.Next - 1))
        {
            // Skip back a whole term: past our last entry of the follower's conflicting term if we have that term,
            // else to where that term starts in the follower's log. Never back past what is known to match,
            // and always below the index just rejected, so every rejection makes progress.
            var ours = reply.ConflictTerm == 0 ? 0 : log.LastIndexOfTerm(reply.ConflictTerm, reply.RejectedPrevIndex);
            var next = ours > 0 ? ours + 1 : reply.ConflictIndex;
            progress.Next = Math.Clamp(next, progress.Match + 1, reply.RejectedPrevIndex);
            progress.Probing = true;
            SendAppend(leader, reply.From, progress);
        }
        AdvanceRounds(leader);
    }

    /// <summary>The leader commits the highest index stored on a majority, if that entry is of its own term:
    /// older entries are committed only indirectly (Raft §5.4.2, Figure 8).</summary>
    private void MaybeCommit()
    {
        if (role is not LeaderState leader) return;
        var matches = new long[options.Members.Count];
        matches[0] = log.LastIndex;
        for (var i = 0; i < peers.Length; i++) matches[i + 1] = leader.Peers[peers[i]].Match;
        Array.Sort(matches);
        var majority = matches[matches.Length - Quorum];
        if (majority > commitIndex && log.TermAt(majority) == currentTerm)
        {
            commitIndex = majority;
            Apply();
        }
    }

    private void Apply()
    {
        while (lastApplied < commitIndex)
        {
            var entry = log[++lastApplied];
            var result = stateMachine.Apply(entry);
            applied.Add(entry);
            if (proposals.Remove(entry.Index, out var proposal))
            {
                responses.Add(proposal.Term == entry.Term
                    ? new ClientResponse(proposal.RequestId, ResponseStatus.Completed, result) { Index = entry.Index }
                    : new ClientResponse(proposal.RequestId, ResponseStatus.Superseded));
            }
        }
        if (role is LeaderState leader) ServeReads(leader);
    }
}
