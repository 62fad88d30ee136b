using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Systems.Raft.Tests.Storage;

/// <summary>A node driven by hand with <see cref="FileRaftStorage"/>: what it persisted is what it restarts with,
/// when the "restart" is a new storage object on the same directory and a new node from what it loads.</summary>
public sealed class FileRaftStorageRestartTests
{
    /// <summary>Election timeouts always at the top of the range: deadlines are exact.</summary>
    private sealed class HighRandom : Random
    {
        public override long NextInt64(long maxValue) => maxValue - 1;
    }

    private static readonly RaftOptions Options = new() { Id = 0, Members = [0, 1, 2] };

    private static RaftNode Start(FileRaftStorage storage) => new(Options, storage.Load(), 0, 0, new HighRandom());

    private static LogEntry Entry(long index, long term, string value = "x") => new(index, term, new KvWrite("k", value));

    /// <summary>The host's side of the Ready contract, as far as storage goes: persist first.</summary>
    private static Ready Handle(RaftNode node, FileRaftStorage storage)
    {
        var ready = node.TakeReady();
        if (ready.ToPersist is { } write) storage.Persist(write);
        return ready;
    }

    [Fact]
    public void RestartedNode_KeepsItsVote_AndDoesNotVoteTwiceInATerm()
    {
        using var temp = new TempDirectory();
        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            var node = Start(storage);
            node.Tick(300, 0);
            node.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: false));
            Assert.Equal([new VoteReply(0, 1, 1, true, PreVote: false)], Handle(node, storage).ToSend);
        }

        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            Assert.Equal(new HardState(1, 1), storage.Load().State);
            var restarted = Start(storage);
            Assert.Equal((1L, (int?)1), (restarted.Status.Term, restarted.Status.VotedFor));
            restarted.Receive(new RequestVote(2, 0, 1, 5, 1, PreVote: false));
            restarted.Receive(new RequestVote(1, 0, 1, 0, 0, PreVote: false));
            Assert.Equal(
                [new VoteReply(0, 2, 1, false, PreVote: false), new VoteReply(0, 1, 1, true, PreVote: false)],
                Handle(restarted, storage).ToSend);
        }
    }

    [Fact]
    public void RestartedNode_KeepsItsTermAndLog_IncludingAConflictingSuffixReplaced()
    {
        using var temp = new TempDirectory();
        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            var node = Start(storage);
            node.Receive(new AppendEntries(1, 0, 1, 0, 0,
                [new LogEntry(1, 1, Noop.Instance), Entry(2, 1), new LogEntry(3, 1, new AcquireLock("c", 1_000, 42))], 1, 1));
            var ready = Handle(node, storage);
            Assert.Equal(1, ready.ToPersist!.LogFrom);
            // Node 2 leads term 2 and overwrites entries 2 and 3.
            node.Receive(new AppendEntries(2, 0, 2, 1, 1, [Entry(2, 2, "y")], 1, 1));
            ready = Handle(node, storage);
            Assert.Equal(new StorageWrite(new HardState(2, null), 2, ready.ToPersist!.Entries), ready.ToPersist);
            Assert.Equal(2, node.Status.LastLogIndex);
        }

        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            var restarted = Start(storage);
            Assert.Equal(2, restarted.Status.Term);
            Assert.Null(restarted.Status.VotedFor);
            Assert.Equal((2L, 2L), (restarted.Status.LastLogIndex, restarted.Status.LastLogTerm));
            Assert.Equal([new LogEntry(1, 1, Noop.Instance), Entry(2, 2, "y")], restarted.LogEntries);

            // It carries on from there: the leader of term 2 appends entry 3 and commits everything.
            restarted.Receive(new AppendEntries(2, 0, 2, 2, 2, [new LogEntry(3, 2, new FencedWrite(3, "f", "v"))], 3, 2));
            var ready = Handle(restarted, storage);
            Assert.Equal(3, ready.Applied.Count);
            Assert.Equal("y", restarted.ReadApplied("k"));
        }

        using (var storage = FileRaftStorage.Open(temp.Path))
        {
            var again = Start(storage);
            Assert.Equal((2L, 3L, 2L), (again.Status.Term, again.Status.LastLogIndex, again.Status.LastLogTerm));
            Assert.Equal(new LogEntry(3, 2, new FencedWrite(3, "f", "v")), again.LogEntries[^1]);
        }
    }
}
