namespace Ddia.Verify.Systems.Raft;

// Elections (Raft §5.2, §5.4.1) with pre-vote (dissertation §9.6), and the role transitions.
public sealed partial class RaftNode
{
    // Until then this node refuses to help elect anyone: it has heard from a leader within the minimum election
    // timeout (dissertation §4.2.3). It keeps a server that was cut off from deposing a healthy leader, and it is
    // what makes the leader lease sound when clocks are good: no new leader before the old lease ends.
    private long leaderContactUntilMs;

    private bool HeardFromLeaderRecently => role is LeaderState || nowMs < leaderContactUntilMs;

    private void ResetElectionTimer() =>
        electionDeadlineMs = nowMs + options.ElectionTimeoutMinMs + random.NextInt64(options.ElectionTimeoutMaxMs - options.ElectionTimeoutMinMs);

    private void StartElection(bool preVote)
    {
        ResetElectionTimer();
        leaderId = null;
        var candidate = new CandidateState(preVote);
        role = candidate;
        if (!preVote) SetHardState(currentTerm + 1, options.Id);
        candidate.Granted.Add(options.Id);
        if (candidate.Granted.Count >= Quorum)
        {
            ElectionWon(candidate);
            return;
        }
        // A pre-vote asks about the term we would start; only a real election moves our own term.
        var term = preVote ? currentTerm + 1 : currentTerm;
        foreach (var peer in peers) Send(new RequestVote(options.Id, peer, term, log.LastIndex, log.LastTerm, preVote));
    }

    private void ElectionWon(CandidateState candidate)
    {
        if (candidate.PreVote) StartElection(preVote: false);
        else BecomeLeader();
    }

    private void HandleRequestVote(RequestVote request)
    {
        if (request.PreVote)
        {
            // Our term does not change either way. Grant if we would vote for this candidate in that term.
            var grant = request.Term > currentTerm
                ? !HeardFromLeaderRecently
                : request.Term == currentTerm && leaderId is null && (votedFor is null || votedFor == request.From);
            grant &= log.IsUpToDate(request.LastLogIndex, request.LastLogTerm);
            Send(new VoteReply(options.Id, request.From, grant ? request.Term : currentTerm, grant, PreVote: true));
            return;
        }
        if (request.Term > currentTerm)
        {
            // Not even the term is taken from a candidate while we follow a live leader.
            if (HeardFromLeaderRecently) return;
            BecomeFollower(request.Term, leader: null);
        }
        var granted = request.Term == currentTerm
            && (votedFor is null || votedFor == request.From)
            && log.IsUpToDate(request.LastLogIndex, request.LastLogTerm);
        if (granted)
        {
            SetHardState(currentTerm, request.From);
            ResetElectionTimer();
        }
        Send(new VoteReply(options.Id, request.From, currentTerm, granted, PreVote: false));
    }

    private void HandlePreVoteReply(VoteReply reply)
    {
        if (reply.Granted)
        {
            if (role is CandidateState { PreVote: true } candidate && reply.Term == currentTerm + 1)
            {
                candidate.Granted.Add(reply.From);
                if (candidate.Granted.Count >= Quorum) ElectionWon(candidate);
            }
        }
        else if (reply.Term > currentTerm)
        {
            BecomeFollower(reply.Term, leader: null);
        }
    }

    private void HandleVoteReply(VoteReply reply)
    {
        if (role is not CandidateState { PreVote: false } candidate || !reply.Granted) return;
        candidate.Granted.Add(reply.From);
        if (candidate.Granted.Count >= Quorum) ElectionWon(candidate);
    }

    /// <summary>Steps down (or stays a follower) in <paramref name="term"/>, which is never lower than ours.</summary>
    private void BecomeFollower(long term, int? leader)
    {
        if (term > currentTerm) SetHardState(term, null);
        if (role is LeaderState oldLeader) FailReads(oldLeader);
        if (role is not FollowerState)
        {
            role = new FollowerState();
            ResetElectionTimer();
        }
        leaderId = leader;
    }

    private void BecomeLeader()
    {
        var leader = new LeaderState(termStartIndex: log.LastIndex + 1);
        foreach (var peer in peers) leader.Peers[peer] = new Progress(next: log.LastIndex + 1);
        role = leader;
        leaderId = options.Id;
        // The no-op: entries of earlier terms commit only once an entry of this term does (Raft §5.4.2).
        AppendAsLeader(leader, StateMachine.Noop.Instance);
        Heartbeat(leader);
        MaybeCommit();
    }
}
