namespace Ddia.Verify.Systems.Raft;

/// <summary>
/// The peer protocol: Raft's two RPCs and their replies as one-way messages (Raft §5, with pre-vote from the
/// dissertation §9.6). The transport may drop, delay, reorder and duplicate them; the core copes. Deliver a
/// message only to <see cref="To"/>, and only after the sender's <see cref="Ready.ToPersist"/> is durable.
/// </summary>
public abstract record RaftMessage(int From, int To, long Term);

/// <summary>Asks for a vote. A pre-vote (<paramref name="PreVote"/>) asks "would you vote for me in
/// <paramref name="Term"/>?" without anyone changing term, so a node cut off for a while cannot disrupt a
/// healthy leader when it returns.</summary>
public sealed record RequestVote(int From, int To, long Term, long LastLogIndex, long LastLogTerm, bool PreVote)
    : RaftMessage(From, To, Term);

/// <summary>A granted pre-vote carries the term asked about; everything else carries the voter's term.</summary>
public sealed record VoteReply(int From, int To, long Term, bool Granted, bool PreVote) : RaftMessage(From, To, Term);

/// <summary>
/// Entries to append after (<paramref name="PrevLogIndex"/>, <paramref name="PrevLogTerm"/>); empty as a heartbeat.
/// <paramref name="Round"/> numbers the leader's heartbeat rounds: a reply echoing round r proves that its sender
/// still followed this leader after round r began, which is what ReadIndex and the lease need.
/// </summary>
public sealed record AppendEntries(
    int From, int To, long Term, long PrevLogIndex, long PrevLogTerm, IReadOnlyList<LogEntry> Entries, long LeaderCommit, long Round)
    : RaftMessage(From, To, Term);

/// <summary>
/// Success: the follower's log matches the leader's through <paramref name="MatchIndex"/>. Rejection: the entry
/// at <paramref name="RejectedPrevIndex"/> did not match; <paramref name="ConflictTerm"/> (0: the follower's log is
/// shorter) and <paramref name="ConflictIndex"/> (the first index of that term, or the follower's last index + 1)
/// let the leader skip back a whole term at a time.
/// </summary>
public sealed record AppendEntriesReply(
    int From, int To, long Term, bool Success, long MatchIndex, long RejectedPrevIndex, long ConflictIndex, long ConflictTerm, long Round)
    : RaftMessage(From, To, Term);
