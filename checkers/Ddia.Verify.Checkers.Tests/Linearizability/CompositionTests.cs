using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>P-compositionality: keys are checked apart, and a verdict names the keys that fail.</summary>
public sealed class CompositionTests
{
    private static readonly LinearizabilityOptions EveryKey = new() { StopAtFirstFailure = false };

    [Fact]
    public void Check_WhenOneKeyReadsAnotherKeysValue_NamesThatKey()
    {
        var history = Ops.Parse("p0 k1:w1 [0,10] | p1 k2:w2 [0,10] | p0 k1:r1 [20,30] | p1 k2:r1 [20,30]");

        var result = Verdicts.Check("register", history, options: EveryKey);

        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Equal(2, result.Partitions.Length);
        Assert.Equal(Validity.Valid, result.Partitions.Single(p => p.Key == Value.Of(1)).Validity);
        var failed = Assert.Single(result.Failures);
        Assert.Equal(Value.Of(2), failed.Key);
        Assert.Equal(Value.Of(2), failed.Failure!.Op.Invocation.Key);
        Assert.Equal("read", failed.Failure.Op.Invocation.F);
    }

    [Fact]
    public void Check_WhenEveryKeyIsLinearizableOnItsOwn_ReportsValid()
    {
        // Read as one register this would be invalid (r1 after w2); per key it is fine.
        var history = Ops.Parse("p0 k1:w1 [0,10] | p1 k2:w2 [20,30] | p0 k1:r1 [40,50] | p1 k2:r2 [40,50]");

        Assert.Equal(Validity.Valid, Verdicts.Check("register", history).Validity);
        Assert.Equal(Validity.Invalid, Verdicts.Check("register", Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p0 r1 [40,50]")).Validity);
    }

    [Fact]
    public void Check_WhenOneKeyOfAGeneratedHistoryIsBroken_NamesThatKeyOnly()
    {
        var history = WithStaleRead(HistoryGenerator.Generate(seed: 11, ops: 2_000, keys: 5, processes: 6, infoRate: 0.02), key: 3);

        var result = Verdicts.Check("cas-register", history, options: EveryKey);

        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Equal(5, result.Partitions.Length);
        Assert.Equal(Value.Of(3), Assert.Single(result.Failures).Key);
        Assert.All(result.Partitions.Where(p => p.Key != Value.Of(3)), p => Assert.Equal(Validity.Valid, p.Validity));
    }

    [Fact]
    public void Check_WhenNotStoppingAtFirstFailure_ReportsEveryFailingKey()
    {
        var history = WithStaleRead(WithStaleRead(HistoryGenerator.Generate(seed: 12, ops: 2_000, keys: 5, processes: 6, infoRate: 0.02), key: 1), key: 3);

        var all = Verdicts.Check("cas-register", history, options: EveryKey);
        var first = Verdicts.Check("cas-register", history);

        Assert.Equal(Validity.Invalid, all.Validity);
        Assert.Equal([Value.Of(1), Value.Of(3)], all.Failures.Select(p => p.Key!).OrderBy(k => k.AsLong));
        Assert.Equal(3, all.Partitions.Count(p => p.Validity == Validity.Valid));
        Assert.Equal(Validity.Invalid, first.Validity);
        Assert.NotEmpty(first.Failures);
        Assert.All(first.Failures, p => Assert.True(p.Key!.AsLong is 1 or 3));
        Assert.DoesNotContain(first.Partitions, p => p.Validity == Validity.Valid && p.Key is { } k && (k.AsLong == 1 || k.AsLong == 3));
    }

    /// <summary>Appends a completed read of a value never written (99; generated values are 0..4) on a key.</summary>
    private static HistoryList WithStaleRead(HistoryList history, int key)
    {
        var process = history.Max(o => o.Process) + 1;
        var time = history[^1].Time + 1;
        var n = history.Count;
        Op[] read =
        [
            new(n, time, OpType.Invoke, process, "read", Value.Nil, Value.Of(key)),
            new(n + 1, time + 1, OpType.Ok, process, "read", Value.Of(99), Value.Of(key)),
        ];
        return new HistoryList([.. history, .. read]);
    }
}
