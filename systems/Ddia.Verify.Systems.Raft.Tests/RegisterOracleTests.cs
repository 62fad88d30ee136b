using Ddia.Verify.Systems.Raft.Tests.Simulation;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>The test project's own linearizability oracle, on histories small enough to judge by eye.</summary>
public sealed class RegisterOracleTests
{
    private static ClientOp Op(OpKind kind, string? value, long invoke, long? complete, OpOutcome outcome = OpOutcome.Ok,
        string? from = null, bool swapped = true) =>
        new(0, kind, "k", from, value, invoke) { Complete = complete, Outcome = outcome, Swapped = swapped };

    [Fact]
    public void ReadOfAnOverwrittenValue_AfterTheOverwriteCompleted_IsNotLinearizable() =>
        Assert.False(RegisterOracle.IsLinearizable([
            Op(OpKind.Write, "1", 0, 10), Op(OpKind.Write, "2", 20, 30), Op(OpKind.Read, "1", 40, 50)]));

    [Fact]
    public void ReadOverlappingAWrite_MaySeeEitherValue()
    {
        Assert.True(RegisterOracle.IsLinearizable([Op(OpKind.Write, "1", 0, 10), Op(OpKind.Write, "2", 20, 30), Op(OpKind.Read, "1", 25, 50)]));
        Assert.True(RegisterOracle.IsLinearizable([Op(OpKind.Write, "1", 0, 10), Op(OpKind.Write, "2", 20, 30), Op(OpKind.Read, "2", 25, 50)]));
    }

    [Fact]
    public void InfoWrite_MayTakeEffectLongAfterItsInvoke_OrNever()
    {
        var info = Op(OpKind.Write, "9", 0, null, OpOutcome.Info);
        Assert.True(RegisterOracle.IsLinearizable([info, Op(OpKind.Read, null, 10, 20), Op(OpKind.Read, "9", 100, 110)]));
        Assert.True(RegisterOracle.IsLinearizable([info, Op(OpKind.Read, null, 10, 20)]));
        Assert.False(RegisterOracle.IsLinearizable([info, Op(OpKind.Read, "9", 10, 20), Op(OpKind.Read, null, 30, 40)]));
    }

    [Fact]
    public void FailedOps_AreIgnored_ButAFailedCasComparisonIsAnObservation()
    {
        Assert.True(RegisterOracle.IsLinearizable([Op(OpKind.Write, "1", 0, 10, OpOutcome.Fail), Op(OpKind.Read, null, 20, 30)]));
        var write = Op(OpKind.Write, "1", 0, 10);
        Assert.False(RegisterOracle.IsLinearizable([write, Op(OpKind.Cas, "2", 20, 30, from: "1", swapped: false)]));
        Assert.True(RegisterOracle.IsLinearizable([write, Op(OpKind.Cas, "2", 20, 30, from: "0", swapped: false)]));
        Assert.True(RegisterOracle.IsLinearizable([write, Op(OpKind.Cas, "2", 20, 30, from: "1"), Op(OpKind.Read, "2", 40, 50)]));
    }
}
