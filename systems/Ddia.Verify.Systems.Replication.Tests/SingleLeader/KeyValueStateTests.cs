using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Systems.Replication.Tests.SingleLeader;

public sealed class KeyValueStateTests
{
    [Fact]
    public void Versions_AreTheIndexOfTheLastWrite_NoOpsChangeNoKey()
    {
        var s = KeyValueState.From(Snapshot.Empty);
        Assert.Equal(0, s.VersionOf("x"));   // the context of an absent key
        s.Apply(new LogEntry(1, 1, "x", "a"));
        s.Apply(new LogEntry(2, 3, null, null));
        s.Apply(new LogEntry(3, 3, "y", "b"));
        Assert.Equal(1, s.VersionOf("x"));
        Assert.Equal(3, s.VersionOf("y"));
        Assert.Equal(3, s.AppliedIndex);
        Assert.Throws<ArgumentException>(() => s.Apply(new LogEntry(5, 3, "x", "gap")));
    }

    [Fact]
    public void ToSnapshot_IsACopy()
    {
        var s = KeyValueState.From(Snapshot.Empty);
        s.Apply(new LogEntry(1, 1, "x", "a"));
        var snap = s.ToSnapshot(1);
        s.Apply(new LogEntry(2, 1, "x", "b"));
        Assert.Equal(new VersionedValue("a", 1), snap.Data["x"]);
        Assert.Equal(1, snap.LastIndex);
    }
}
