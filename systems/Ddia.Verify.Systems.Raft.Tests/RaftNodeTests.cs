using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>One node driven by hand, message by message: the Ready contract, voting, the follower's log rules,
/// the commit rule, restart and the input contracts.</summary>
public sealed class RaftNodeTests
{
    /// <summary>Election timeouts always at the top of the range: deadlines are exact.</summary>
    private sealed class HighRandom : Random
    {
        public override long NextInt64(long maxValue) => maxValue - 1;
    }

    private static RaftOptions Options(int id, int size = 3) => new() { Id = id, Members = [.. Enumerable.Range(0, size)] };

    /// <summary>A node at monotonic time 0 (and wall time 0). Its first deadline is at 599 ms; it refuses higher-term
    /// votes until 300 ms (it may have acknowledged a leader just before it restarted).</summary>
    private static RaftNode Node(RaftOptions options, PersistentState? restored = null) =>
        new(options, restored ?? PersistentState.Empty, 0, 0, new HighRandom());

    private static LogEntry Entry(long index, long term, string value = "x") => new(index, term, new KvWrite("k", value));

    /// <summary>Node 0 of three, elected leader of term 1 with node 1's votes; the election's Ready is taken.</summary>
    private static RaftNode Leader()
    {
        var node = Node(Options(0));
        node.Tick(600, 600);
        node.Receive(new VoteReply(1, 0, 1, true, PreVote: true));
        node.Receive(new VoteReply(1, 0, 1, true, PreVote: false));
        Assert.Equal(RaftRole.Leader, node.Status.Role);
        node.TakeReady();
        return node;
    }

    [Fact]
    public void SingleNode_ElectsItself_AndAnswersAProposalInTheBatchThatPersistsIt()
    {
        var node = Node(Options(0, size: 1));
        node.Tick(599, 0);
        var election = node.TakeReady();
        Assert.Equal(RaftRole.Leader, node.Status.Role);
        Assert.Equal(new HardState(1, 0), election.ToPersist!.State);
        Assert.Equal([new LogEntry(1, 1, Noop.Instance)], election.ToPersist.Entries);

        node.Propose(7, new KvWrite("k", "v"));
        var ready = node.TakeReady();
        Assert.Equal(2, ready.ToPersist!.LogFrom);
        Assert.Equal([new LogEntry(2, 1, new KvWrite("k", "v"))], ready.ToPersist.Entries);
        // Applied at index 2, after the no-op of the election: the index tells clients the order commands took effect.
        Assert.Equal([new ClientResponse(7, ResponseStatus.Completed, CommandResult.Done) { Index = 2 }], ready.Responses);
        Assert.True(node.TakeReady().IsEmpty);
    }

    [Fact]
    public void Vote_IsInTheSameReadyAsItsDurableRecord()
    {
        var node = Node(Options(0));
        node.Tick(300, 0);
        node.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: false));
        var ready = node.TakeReady();
        Assert.Equal(new HardState(1, 1), ready.ToPersist!.State);
        Assert.Equal([new VoteReply(0, 1, 1, true, PreVote: false)], ready.ToSend);
    }

    [Fact]
    public void RestartedNode_DoesNotVoteTwiceInATerm()
    {
        var storage = new MemoryRaftStorage();
        var node = Node(Options(0));
        node.Tick(300, 0);
        node.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: false));
        storage.Persist(node.TakeReady().ToPersist!);

        var restarted = Node(Options(0), storage.Load());
        restarted.Receive(new RequestVote(2, 0, 1, 5, 1, PreVote: false));
        restarted.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: false));
        Assert.Equal(
            [new VoteReply(0, 2, 1, false, PreVote: false), new VoteReply(0, 1, 1, true, PreVote: false)],
            restarted.TakeReady().ToSend);
    }

    [Fact]
    public void FreshNode_IgnoresHigherTermVotes_ForOneMinimumElectionTimeout()
    {
        var node = Node(Options(0));
        node.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: false));
        node.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: true));
        var ready = node.TakeReady();
        Assert.Null(ready.ToPersist);
        Assert.Equal([new VoteReply(0, 1, 0, false, PreVote: true)], ready.ToSend);
        Assert.Equal(0, node.Status.Term);
    }

    [Fact]
    public void PreVote_ChangesNoTerm_UntilAMajorityGrantsIt()
    {
        var node = Node(Options(0));
        node.Tick(599, 0);
        var ready = node.TakeReady();
        Assert.Null(ready.ToPersist);
        Assert.Equal(RaftRole.PreCandidate, node.Status.Role);
        Assert.All(ready.ToSend, m => Assert.Equal(new RequestVote(0, m.To, 1, 0, 0, PreVote: true), m));
        node.Receive(new VoteReply(2, 0, 1, true, PreVote: true));
        Assert.Equal(new RaftStatus(0, RaftRole.Candidate, 1, null, 0, 0, 0, 0, 0, null), node.Status);
    }

    [Fact]
    public void Follower_TruncatesOnlyOnARealConflict()
    {
        var node = Node(Options(0));
        node.Receive(new AppendEntries(1, 0, 1, 0, 0, [Entry(1, 1), Entry(2, 1), Entry(3, 1)], 0, 1));
        Assert.Equal(new AppendEntriesReply(0, 1, 1, true, 3, 0, 0, 0, 1), node.TakeReady().ToSend.Single());

        // A delayed copy of an older, shorter message: acknowledged for what it covers, and nothing is cut.
        node.Receive(new AppendEntries(1, 0, 1, 0, 0, [Entry(1, 1)], 0, 1));
        var ready = node.TakeReady();
        Assert.Null(ready.ToPersist);
        Assert.Equal(1, ((AppendEntriesReply)ready.ToSend.Single()).MatchIndex);
        Assert.Equal(3, node.Status.LastLogIndex);

        // A new leader whose entry 2 differs: 2 and 3 go, in one write that starts at 2.
        node.Receive(new AppendEntries(2, 0, 2, 1, 1, [Entry(2, 2, "y")], 0, 1));
        ready = node.TakeReady();
        var write = ready.ToPersist!;
        Assert.Equal((new HardState(2, null), (long?)2), (write.State, write.LogFrom));
        Assert.Equal([Entry(2, 2, "y")], write.Entries);
        Assert.Equal([Entry(1, 1), Entry(2, 2, "y")], node.LogEntries);
    }

    [Fact]
    public void Follower_RejectsAMismatch_WithTheFirstIndexOfItsConflictingTerm()
    {
        var node = Node(Options(0));
        node.Receive(new AppendEntries(1, 0, 2, 0, 0, [Entry(1, 1), Entry(2, 2), Entry(3, 2), Entry(4, 2)], 0, 1));
        node.TakeReady();
        node.Receive(new AppendEntries(1, 0, 3, 4, 3, [], 0, 9));
        Assert.Equal(new AppendEntriesReply(0, 1, 3, false, 0, 4, 2, 2, 9), node.TakeReady().ToSend.Single());
        node.Receive(new AppendEntries(1, 0, 3, 7, 3, [], 0, 10));
        Assert.Equal(new AppendEntriesReply(0, 1, 3, false, 0, 7, 5, 0, 10), node.TakeReady().ToSend.Single());
    }

    [Fact]
    public void Leader_CommitsAnEarlierTermsEntryOnlyThroughOneOfItsOwn()
    {
        // Raft Figure 8: entry 2 (term 2) on a majority is not committed by counting; the leader's no-op (term 4)
        // on a majority commits both.
        var restored = new PersistentState(new HardState(3, null), [Entry(1, 1), Entry(2, 2)]);
        var node = Node(Options(0), restored);
        node.Tick(600, 600);
        node.Receive(new VoteReply(1, 0, 4, true, PreVote: true));
        node.Receive(new VoteReply(1, 0, 4, true, PreVote: false));
        Assert.Equal((RaftRole.Leader, 4L, 3L), (node.Status.Role, node.Status.Term, node.Status.LastLogIndex));
        node.Receive(new AppendEntriesReply(1, 0, 4, true, 2, 0, 0, 0, 1));
        Assert.Equal(0, node.Status.CommitIndex);
        node.Receive(new AppendEntriesReply(1, 0, 4, true, 3, 0, 0, 0, 1));
        Assert.Equal(3, node.Status.CommitIndex);
        Assert.Equal([1L, 2L, 3L], node.TakeReady().Applied.Select(e => e.Index));
    }

    [Fact]
    public void Leader_BacksOffPastTheFollowersConflictingTermInOneStep()
    {
        var restored = new PersistentState(new HardState(3, null), [Entry(1, 1), Entry(2, 1), Entry(3, 3)]);
        var node = Node(Options(0), restored);
        node.Tick(600, 600);
        node.Receive(new VoteReply(1, 0, 4, true, PreVote: true));
        node.Receive(new VoteReply(1, 0, 4, true, PreVote: false));
        node.TakeReady();
        // The follower holds 1:t1 2:t2 3:t2 and rejects prev 3; the leader has no term 2, so it retries from 2.
        node.Receive(new AppendEntriesReply(1, 0, 4, false, 0, 3, 2, 2, 1));
        var retry = (AppendEntries)node.TakeReady().ToSend.Single();
        Assert.Equal((1L, 1L), (retry.PrevLogIndex, retry.PrevLogTerm));
        Assert.Equal([2L, 3L, 4L], retry.Entries.Select(e => e.Index));
    }

    [Fact]
    public void StaleLeader_StepsDownOnAHigherTerm_AndFailsItsWaitingReads()
    {
        var node = Node(Options(0) with { ReadMode = ReadMode.Index });
        node.Tick(600, 600);
        node.Receive(new VoteReply(1, 0, 1, true, PreVote: true));
        node.Receive(new VoteReply(1, 0, 1, true, PreVote: false));
        node.Read(5, "k", 600);
        node.TakeReady();
        node.Receive(new AppendEntriesReply(2, 0, 7, false, 0, 0, 0, 0, 0));
        Assert.Equal((RaftRole.Follower, 7L), (node.Status.Role, node.Status.Term));
        Assert.Equal([new ClientResponse(5, ResponseStatus.NotLeader)], node.TakeReady().Responses);
    }

    [Fact]
    public void ReadIndex_ReadsOfOneBatch_ShareOneHeartbeatRound()
    {
        var node = Node(Options(0) with { ReadMode = ReadMode.Index });
        node.Tick(600, 600);
        node.Receive(new VoteReply(1, 0, 1, true, PreVote: true));
        node.Receive(new VoteReply(1, 0, 1, true, PreVote: false));
        node.Receive(new AppendEntriesReply(1, 0, 1, true, 1, 0, 0, 0, 1));   // the no-op commits
        node.TakeReady();
        for (var i = 0; i < 3; i++) node.Read(i, "k", 600);
        var round = node.TakeReady().ToSend.Cast<AppendEntries>().ToList();
        Assert.Equal([1, 2], round.Select(m => m.To));
        Assert.All(round, m => Assert.Equal(2, m.Round));
        node.Receive(new AppendEntriesReply(2, 0, 1, true, 1, 0, 0, 0, 2));
        Assert.Equal([0L, 1L, 2L], node.TakeReady().Responses.Select(r => r.RequestId));
    }

    [Fact]
    public void Propose_OnAFollower_AnswersNotLeaderAtOnce_WithTheLeaderItKnows()
    {
        var node = Node(Options(0));
        node.Receive(new AppendEntries(2, 0, 1, 0, 0, [], 0, 1));
        node.Propose(3, new KvWrite("k", "v"));
        Assert.Equal([new ClientResponse(3, ResponseStatus.NotLeader, LeaderHint: 2)], node.TakeReady().Responses);
    }

    [Fact]
    public void Restore_WithEntriesNewerThanTheStoredTerm_AdoptsTheirTerm()
    {
        var node = Node(Options(0), new PersistentState(new HardState(1, 2), [Entry(1, 3)]));
        Assert.Equal((3L, (int?)null), (node.Status.Term, node.Status.VotedFor));
        Assert.Equal(new HardState(3, null), node.TakeReady().ToPersist!.State);
    }

    [Fact]
    public void Inputs_ThatBreakTheirContracts_AreRejected()
    {
        var node = Leader();
        node.Tick(700, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => node.Tick(699, 0));
        Assert.Throws<ArgumentException>(() => Node(Options(0) with { LeaseMs = 301 }));
        Assert.Throws<ArgumentException>(() => Node(Options(5)));
        Assert.Throws<ArgumentException>(() => Node(Options(0) with { HeartbeatIntervalMs = 300 }));
        Assert.Throws<ArgumentException>(() => Node(Options(0), new PersistentState(new HardState(1, null), [Entry(2, 1)])));
    }

    [Fact]
    public void Messages_NotForThisNode_OrFromStrangers_AreIgnored()
    {
        var node = Node(Options(0));
        node.Receive(new AppendEntries(1, 2, 5, 0, 0, [], 0, 1));
        node.Receive(new AppendEntries(9, 0, 5, 0, 0, [], 0, 1));
        Assert.False(node.HasReady);
        Assert.Equal(0, node.Status.Term);
    }
}
