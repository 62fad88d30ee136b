using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>The KV store, the lock service and the fenced storage, applied directly.</summary>
public sealed class StateMachineTests
{
    private readonly ServiceStateMachine machine = new(fencing: true);
    private long index;

    private CommandResult Apply(Command command) => machine.Apply(new LogEntry(++index, 1, command));

    [Fact]
    public void Kv_ReadsNilForAbsentKeys_AndWhatWasLastWritten()
    {
        Assert.Equal(new CommandResult(true), Apply(new KvRead("k")));
        Apply(new KvWrite("k", "1"));
        Apply(new KvWrite("k", "2"));
        Assert.Equal(new CommandResult(true, "2"), Apply(new KvRead("k")));
    }

    [Fact]
    public void Cas_SwapsOnlyFromTheExpectedValue_AndReportsWhatItFound()
    {
        Assert.True(Apply(new KvCas("k", null, "1")).Ok);   // null: the key must be absent
        Assert.Equal(new CommandResult(false, "1", null, "value differs from the expected one"), Apply(new KvCas("k", "0", "2")));
        Assert.True(Apply(new KvCas("k", "1", "2")).Ok);
        Assert.Equal("2", machine.Read("k"));
    }

    [Fact]
    public void Lock_IsHeldUntilItsLeaseEnds_ByTheStampsWallClock()
    {
        var a = Apply(new AcquireLock("A", 100, 1_000));
        Assert.Equal(new CommandResult(true, Token: 1), a);
        Assert.False(Apply(new AcquireLock("B", 100, 1_099)).Ok);
        Assert.Equal(new CommandResult(true, Token: 1), Apply(new AcquireLock("A", 100, 1_050)));   // renewed: same token
        Assert.False(Apply(new AcquireLock("B", 100, 1_149)).Ok);
        Assert.Equal(new CommandResult(true, Token: 5), Apply(new AcquireLock("B", 100, 1_150)));
        Assert.False(Apply(new ReleaseLock("A", 1)).Ok);
        Assert.True(Apply(new ReleaseLock("B", 5)).Ok);
        Assert.Equal(new CommandResult(true, Token: 8), Apply(new AcquireLock("A", 100, 1_151)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FencedWrite_WithAnOlderToken_IsRejectedOnlyWhenFencing(bool fencing)
    {
        var storage = new ServiceStateMachine(fencing);
        Assert.True(storage.Apply(new LogEntry(1, 1, new FencedWrite(34, "file", "new"))).Ok);
        Assert.True(storage.Apply(new LogEntry(2, 1, new FencedWrite(34, "file", "newer"))).Ok);
        var late = storage.Apply(new LogEntry(3, 1, new FencedWrite(33, "file", "late")));
        Assert.Equal(!fencing, late.Ok);
        Assert.Equal(fencing ? "newer" : "late", storage.Read("file"));
    }
}
