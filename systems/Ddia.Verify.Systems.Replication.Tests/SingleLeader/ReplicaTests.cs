using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Systems.Replication.Tests.SingleLeader;

public sealed class ReplicaTests
{
    private static Replica Leader(string dir, long epoch = 1, int snapshotEvery = 1000)
    {
        var r = Replica.Open(dir, snapshotEvery);
        r.RaiseEpoch(epoch);
        return r;
    }

    private static string? Value(Replica r, string key) => r.State.Get(key)?.Value;

    [Fact]
    public void Append_SurvivesReopen_WithVersionsAndEpoch()
    {
        using var dir = new TempDir();
        using (var r = Leader(dir.Path, epoch: 3))
        {
            r.Append("x", "1");
            r.Append("y", "2");
            r.Append("x", "3");
        }
        using var again = Replica.Open(dir.Path);
        Assert.Equal(3, again.LastIndex);
        Assert.Equal(3, again.LastEpoch);
        Assert.Equal(3, again.Epoch);
        Assert.Equal(3, again.State.AppliedIndex);
        Assert.Equal(new VersionedValue("3", 3), again.State.Get("x"));
        Assert.Equal(2, again.State.VersionOf("y"));
        Assert.Equal(0, again.State.VersionOf("absent"));
    }

    [Fact]
    public void Open_CutsOffATornLastLine_ButRefusesCorruptionInTheMiddle()
    {
        using var dir = new TempDir();
        using (var r = Leader(dir.Path))
        {
            r.Append("x", "1");
            r.Append("x", "2");
        }
        var log = Path.Combine(dir.Path, ReplicationLog.FileName);
        File.AppendAllText(log, "{\"index\":3,\"epo");   // a crash in the middle of an append
        using (var r = Replica.Open(dir.Path))
        {
            Assert.Equal(2, r.LastIndex);
            r.Append("x", "3");   // lands cleanly after the cut
        }
        using (var r = Replica.Open(dir.Path)) Assert.Equal("3", Value(r, "x"));

        var lines = File.ReadAllLines(log);
        lines[0] = "garbage";
        File.WriteAllLines(log, lines);
        Assert.Throws<InvalidDataException>(() => Replica.Open(dir.Path));
    }

    [Fact]
    public void AcceptEntries_AppendsInOrder_AndSkipsWhatItHas()
    {
        using var dir = new TempDir();
        using var f = Replica.Open(dir.Path);
        LogEntry[] batch = [new(1, 1, "x", "a"), new(2, 1, "y", "b")];
        Assert.Equal(AcceptResult.Matched(2), f.AcceptEntries(0, 0, batch));
        // The same batch again (a retry after a lost answer) changes nothing.
        Assert.Equal(AcceptResult.Matched(2), f.AcceptEntries(0, 0, batch));
        Assert.Equal(2, f.LastIndex);
        // A heartbeat naming an entry it lacks: resume after its end.
        Assert.Equal(AcceptResult.ResumeAt(3), f.AcceptEntries(5, 1, []));
        Assert.Equal(AcceptResult.Matched(2), f.AcceptEntries(2, 1, []));
    }

    [Fact]
    public void AcceptEntries_EpochMismatch_TruncatesTheOldLeadersEntries_AndRebuildsState()
    {
        using var dir = new TempDir();
        using (var f = Replica.Open(dir.Path))
        {
            // Entries 1-3 from the leader of epoch 1; 2 and 3 never reached the new leader of epoch 5.
            f.AcceptEntries(0, 0, [new(1, 1, "x", "a"), new(2, 1, "x", "lost"), new(3, 1, "y", "lost")]);
            // The new leader's heartbeat after its no-op at 2: the epochs at 2 differ, resume at epoch 1's first entry.
            Assert.Equal(AcceptResult.ResumeAt(1), f.AcceptEntries(2, 5, []));
            Assert.Equal(AcceptResult.Matched(3), f.AcceptEntries(0, 0, [new(1, 1, "x", "a"), new(2, 5, null, null), new(3, 5, "z", "new")]));
            Assert.Equal("a", Value(f, "x"));
            Assert.Null(f.State.Get("y"));
            Assert.Equal(1, f.State.VersionOf("x"));
        }
        using var again = Replica.Open(dir.Path);
        Assert.Equal(3, again.LastIndex);
        Assert.Equal(5, again.LastEpoch);
        Assert.Null(again.State.Get("y"));
        Assert.Equal("new", Value(again, "z"));
    }

    [Fact]
    public void Compaction_WritesASnapshot_AndRecoveryIsSnapshotPlusLog()
    {
        using var dir = new TempDir();
        using (var r = Leader(dir.Path, snapshotEvery: 10))
        {
            for (var i = 1; i <= 25; i++) r.Append("k" + (i % 7), "v" + i);
            Assert.True(r.SnapshotIndex > 0);
            Assert.True(r.LastIndex - r.SnapshotIndex < 10);
            Assert.Empty(r.EntriesFrom(1, 100));   // compacted: a follower this far behind needs the snapshot
        }
        using var again = Replica.Open(dir.Path, 10);
        Assert.Equal(25, again.LastIndex);
        Assert.True(again.SnapshotIndex > 0);
        for (var k = 0; k < 7; k++)
        {
            var last = Enumerable.Range(1, 25).Last(i => i % 7 == k);
            Assert.Equal(new VersionedValue("v" + last, last), again.State.Get("k" + k));
        }
    }

    [Fact]
    public void InstallSnapshot_ThenEntries_BootstrapsAnEmptyFollower()
    {
        using var leaderDir = new TempDir();
        using var followerDir = new TempDir();
        using var leader = Leader(leaderDir.Path, snapshotEvery: 4);
        for (var i = 1; i <= 9; i++) leader.Append("k" + i, "v" + i);
        using (var f = Replica.Open(followerDir.Path, 4))
        {
            // The follower lacks the compacted entries: the leader sends its snapshot, then the log after it.
            Assert.Equal(AcceptResult.ResumeAt(1), f.AcceptEntries(leader.LastIndex, leader.LastEpoch, []));
            Assert.Empty(leader.EntriesFrom(1, 100));
            f.InstallSnapshot(leader.Snapshot);
            var next = leader.SnapshotIndex + 1;
            Assert.True(f.AcceptEntries(next - 1, leader.EpochAt(next - 1)!.Value, leader.EntriesFrom(next, 100)).Ok);
        }
        using var again = Replica.Open(followerDir.Path, 4);
        Assert.Equal(9, again.LastIndex);
        for (var i = 1; i <= 9; i++) Assert.Equal(new VersionedValue("v" + i, i), again.State.Get("k" + i));
    }

    [Fact]
    public void AcceptEntries_BeforeItsOwnSnapshot_ComparesAtTheSnapshot()
    {
        using var dir = new TempDir();
        using var f = Replica.Open(dir.Path, 4);
        var entries = Enumerable.Range(1, 6).Select(i => new LogEntry(i, 1, "k", "v" + i)).ToList();
        f.AcceptEntries(0, 0, entries);
        Assert.True(f.SnapshotIndex > 0);
        var s = f.SnapshotIndex;
        // A batch that stops before the snapshot's index cannot be checked: resume at it.
        Assert.Equal(AcceptResult.ResumeAt(s), f.AcceptEntries(0, 0, entries.Take((int)s - 1).ToList()));
        // One that covers it with the same epoch is fine; with another epoch the follower needs the whole snapshot.
        Assert.Equal(AcceptResult.Matched(6), f.AcceptEntries(0, 0, entries));
        Assert.Equal(AcceptResult.Snapshot, f.AcceptEntries(0, 0, [.. entries.Select(e => e with { Epoch = 2 })]));
    }

    [Fact]
    public void RaiseEpoch_OnlyGrows_AndIsDurable()
    {
        using var dir = new TempDir();
        using (var r = Replica.Open(dir.Path))
        {
            r.RaiseEpoch(4);
            r.RaiseEpoch(2);
            Assert.Equal(4, r.Epoch);
        }
        using var again = Replica.Open(dir.Path);
        Assert.Equal(4, again.Epoch);
    }
}
