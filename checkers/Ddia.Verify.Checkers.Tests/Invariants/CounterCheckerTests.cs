using CsCheck;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Invariants;

public sealed class CounterCheckerTests
{
    private static CheckResult Check(HistoryList h, long initial = 0) => new CounterChecker(initial).Check(h, new CheckOptions());

    private static CheckResult Check(string text, long initial = 0) => Check(Histories.Parse(text), initial);

    private static CounterRead ReadAt(CheckResult r, int position) =>
        Assert.IsType<CounterResult>(r.Detail).Reads.Single(x => x.Position == position);

    [Fact]
    public void Check_SequentialAddsAndReads_IsValid()
    {
        var r = Check("p0 add(3) [0,10] | p1 r3 [20,30] | p0 add(-1) [40,50] | p1 r2 [60,70]");
        Assert.Equal(Validity.Valid, r.Validity);
        var detail = Assert.IsType<CounterResult>(r.Detail);
        Assert.Equal(2, detail.ReadsChecked);
        Assert.Equal([(3L, 3L), (2L, 2L)], detail.Reads.Select(x => (x.Lower, x.Upper)));
    }

    [Fact]
    public void Check_ReadAboveWhatAnyAddAllows_IsOutOfBounds()
    {
        var h = Histories.Parse("p0 add(5) [0,30] | p1 r6 [10,20]");
        var r = Check(h);
        Assert.Equal(Validity.Invalid, r.Validity);
        var a = Assert.Single(r.Anomalies);
        Assert.Equal("out-of-bounds", a.Kind);
        var read = Histories.Invoke(h, "read");
        Assert.Equal([read, h.CompletionOf(read)], a.Positions.ToArray());
        Assert.Equal(new CounterRead(read, h.CompletionOf(read), 6, 0, 5), ReadAt(r, read));
        Assert.Contains("between 0 and 5", a.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ConcurrentAdds_WidenTheBoundsBothWays()
    {
        var h = Histories.Parse("p0 add(5) [0,30] | p2 add(-3) [5,40] | p1 r-3 [10,20] | p3 r2 [12,22] | p4 r5 [14,24]");
        var r = Check(h);
        Assert.Equal(Validity.Valid, r.Validity);
        Assert.All(Assert.IsType<CounterResult>(r.Detail).Reads, x => Assert.Equal((-3L, 5L), (x.Lower, x.Upper)));
    }

    [Fact]
    public void Check_AddCompletedBeforeTheReadBegan_MustBeSeen()
    {
        var r = Check("p0 add(5) [0,10] | p1 r0 [20,30]");
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal((5L, 5L), (ReadAt(r, 2).Lower, ReadAt(r, 2).Upper));
    }

    [Fact]
    public void Check_InfoAdd_MayCountForeverAfterItsInvoke()
    {
        var h = Histories.Parse("p0 add(5):info [0,_] | p1 r0 [100,110] | p2 r5 [120,130] | p3 add(2):info [200,210] | p4 r7 [300,310]");
        var r = Check(h);
        Assert.Equal(Validity.Valid, r.Validity);
        Assert.Equal((0L, 7L), (ReadAt(r, Histories.Invoke(h, "read", 2)).Lower, ReadAt(r, Histories.Invoke(h, "read", 2)).Upper));
    }

    [Fact]
    public void Check_InfoAddInvokedAfterTheReadCompleted_DoesNotCount()
    {
        var r = Check("p1 r5 [0,10] | p0 add(5):info [20,_]");
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal((0L, 0L), (ReadAt(r, 0).Lower, ReadAt(r, 0).Upper));
    }

    [Fact]
    public void Check_FailedAdd_NeverCounts()
    {
        var r = Check("p0 add(5):fail [0,10] | p1 r5 [5,30]");
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal("out-of-bounds", Assert.Single(r.Anomalies).Kind);
    }

    [Fact]
    public void Check_NemesisOps_AreIgnored()
    {
        var r = Check("p0 add(1) [0,10] | p-1 add(100):info [5,15] | p1 r101 [20,30]");
        Assert.Equal(Validity.Invalid, r.Validity);
        var read = Assert.Single(Assert.IsType<CounterResult>(r.Detail).Reads);
        Assert.Equal((1L, 1L), (read.Lower, read.Upper));
    }

    [Fact]
    public void Check_InitialValue_ShiftsTheBounds()
    {
        Assert.Equal(Validity.Valid, Check("p0 add(1) [0,10] | p1 r11 [20,30]", initial: 10).Validity);
        Assert.Equal(Validity.Invalid, Check("p0 add(1) [0,10] | p1 r1 [20,30]", initial: 10).Validity);
    }

    [Fact]
    public void Check_ReadOfAString_IsUnknownNamingItsPosition()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->\"oops\" [20,30] | p1 r1 [40,50]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("position 3", r.Error, StringComparison.Ordinal);
        Assert.Equal(1, Assert.IsType<CounterResult>(r.Detail).ReadsChecked);
    }

    [Fact]
    public void Check_MalformedReadAndAViolation_IsInvalid()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->\"oops\" [20,30] | p1 r7 [40,50]");
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.NotNull(r.Error);
    }

    [Fact]
    public void Check_AddOfANonInteger_IsUnknownNamingItsPosition()
    {
        var r = Check("p0 r0 [0,5] | p0 add(x) [10,20] | p1 r1 [30,40]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("position 2", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_FailedAddOfANonInteger_IsHarmless() =>
        Assert.Equal(Validity.Valid, Check("p0 add(x):fail [10,20] | p1 r0 [30,40]").Validity);

    [Fact]
    public void Check_NoRead_IsUnknown()
    {
        var r = Check("p0 add(1) [0,10] | p1 r_:info [20,_]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("no ok read", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BrokenPairing_IsUnknown()
    {
        var ops = new[] { new Op(0, 0, OpType.Ok, 0, "read", Value.Of(0)) };
        Assert.Equal(Validity.Unknown, Check(new HistoryList(ops)).Validity);
    }

    [Fact]
    public void Check_OpsOnIndependentKeys_AreUnknownNotMixed()
    {
        var r = Check("p0 kx:add(1) [0,10] | p1 ky:read->1 [20,30]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("split the history by key", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_SimulatedCorrectCounters_AreAlwaysValid() =>
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[1, 80], Gen.Double[0, 0.3]).Sample((seed, processes, ops, info) =>
        {
            var h = Histories.Simulate(set: false, seed, processes, ops, info);
            var r = Check(h);
            Assert.True(r.Validity == Validity.Valid, $"{r.Validity.Name()}: {r.Error} {string.Join(" / ", r.Anomalies.Select(a => a.Explanation))}");
        }, iter: 300, print: t => Ops.Format(Histories.Simulate(false, t.Item1, t.Item2, t.Item3, t.Item4)));

    [Fact]
    public void Check_WhenOneReadIsPushedPastItsBounds_IsInvalid() =>
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[1, 80], Gen.Int[0, 1000]).Sample((seed, processes, ops, pick) =>
        {
            var h = Histories.Simulate(set: false, seed, processes, ops, 0.15);
            var reads = Assert.IsType<CounterResult>(Check(h).Detail).Reads;
            var read = reads[pick % reads.Length];
            var mutated = h.ToArray();
            mutated[read.Completion] = mutated[read.Completion] with { Value = Value.Of(read.Value + (read.Upper - read.Lower + 1)) };
            var r = Check(new HistoryList(mutated));
            Assert.Equal(Validity.Invalid, r.Validity);
            Assert.Equal([read.Position, read.Completion], Assert.Single(r.Anomalies).Positions.ToArray());
        }, iter: 300);
}
