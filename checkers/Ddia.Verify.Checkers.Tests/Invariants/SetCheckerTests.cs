using CsCheck;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Invariants;

public sealed class SetCheckerTests
{
    private static CheckResult Check(HistoryList h) => new SetChecker().Check(h, new CheckOptions());

    private static CheckResult Check(string text) => Check(Histories.Parse(text));

    private static SetResult Detail(CheckResult r) => Assert.IsType<SetResult>(r.Detail);

    [Fact]
    public void Check_EveryAcknowledgedAddInEveryLaterRead_IsValid()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->[1] [20,30] | p0 add(2) [40,50] | p1 read->#{1 2} [60,70] | p2 read->[2 1] [80,90]");
        Assert.Equal(Validity.Valid, r.Validity);
        Assert.Empty(r.Anomalies);
        var d = Detail(r);
        Assert.Equal((2, 3, 2), (d.Adds, d.ReadsChecked, d.Counts[SetOutcome.Ok]));
    }

    [Fact]
    public void Check_ReadConcurrentWithTheAdd_MayOrMayNotSeeIt()
    {
        Assert.Equal(Validity.Valid, Check("p0 add(1) [0,30] | p1 read->[1] [10,20] | p2 read->[1] [40,50]").Validity);
        Assert.Equal(Validity.Valid, Check("p0 add(1) [0,30] | p1 read->[] [10,20] | p2 read->[1] [40,50]").Validity);
    }

    [Fact]
    public void Check_AcknowledgedAddMissingFromTheLastRead_IsLost()
    {
        var r = Check("p0 add(1) [0,10] | p0 add(2) [11,20] | p1 read->[1 2] [30,40] | p1 read->[1] [50,60]");
        Assert.Equal(Validity.Invalid, r.Validity);
        var a = Assert.Single(r.Anomalies);
        Assert.Equal("lost", a.Kind);
        Assert.Equal([2, 6], a.Positions.ToArray());
        var d = Detail(r);
        Assert.Equal((1, 1), (d.Counts[SetOutcome.Lost], d.Counts[SetOutcome.Ok]));
        Assert.Equal(new SetElement(Value.Of(2), SetOutcome.Lost, Add: 2, Acknowledged: 3, FirstMissingRead: 6, LastSeenRead: 4),
            Assert.Single(d.Elements[SetOutcome.Lost]));
        Assert.Contains("1 acknowledged add lost: 2 (", a.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AcknowledgedAddNeverSeen_IsLost()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->[] [20,30]");
        Assert.Equal("lost", Assert.Single(r.Anomalies).Kind);
        Assert.Null(Assert.Single(Detail(r).Elements[SetOutcome.Lost]).LastSeenRead);
    }

    [Fact]
    public void Check_AcknowledgedAddMissingThenSeenAgain_IsStale()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->[] [20,30] | p1 read->[1] [40,50]");
        Assert.Equal(Validity.Invalid, r.Validity);
        var a = Assert.Single(r.Anomalies);
        Assert.Equal("stale", a.Kind);
        Assert.Equal([0, 2], a.Positions.ToArray());
        var d = Detail(r);
        Assert.Equal((1, 0), (d.Counts[SetOutcome.Stale], d.Counts[SetOutcome.Lost]));
        Assert.Equal(new SetElement(Value.Of(1), SetOutcome.Stale, 0, 1, 2, 4), Assert.Single(d.Elements[SetOutcome.Stale]));
    }

    [Fact]
    public void Check_ElementNeverAdded_IsUnexpected()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->[1 9] [20,30]");
        Assert.Equal(Validity.Invalid, r.Validity);
        var a = Assert.Single(r.Anomalies);
        Assert.Equal("unexpected", a.Kind);
        Assert.Equal([2, 3], a.Positions.ToArray());
        Assert.Equal(new SetUnexpected(Value.Of(9), 2, 3, null, null), Assert.Single(Detail(r).Unexpected));
        Assert.Equal(1, Detail(r).UnexpectedCount);
    }

    [Fact]
    public void Check_ElementReadBeforeItsAddBegan_IsUnexpected()
    {
        var r = Check("p1 read->[1] [0,10] | p0 add(1) [20,30] | p1 read->[1] [40,50]");
        Assert.Equal("unexpected", Assert.Single(r.Anomalies).Kind);
        Assert.Equal(new SetUnexpected(Value.Of(1), 0, 1, Attempted: 2, FailedAdd: null), Assert.Single(Detail(r).Unexpected));
    }

    [Fact]
    public void Check_ElementWhoseOnlyAddFailed_IsUnexpectedWhenRead()
    {
        var r = Check("p0 add(3):fail [0,10] | p1 read->[3] [20,30]");
        Assert.Equal("unexpected", Assert.Single(r.Anomalies).Kind);
        Assert.Equal(new SetUnexpected(Value.Of(3), 2, 3, null, FailedAdd: 0), Assert.Single(Detail(r).Unexpected));
        Assert.Equal(1, Detail(r).Counts[SetOutcome.Failed]);
        Assert.Contains("failed", r.Anomalies[0].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InfoAddThatShowsUp_IsRecoveredAndOneThatDoesNot_IsUnconfirmed()
    {
        var r = Check("p0 add(1):info [0,_] | p1 add(2) [5,10] | p3 add(4):info [6,12] | p2 read->[1 2] [20,30]");
        Assert.Equal(Validity.Valid, r.Validity);
        var d = Detail(r);
        Assert.Equal((1, 1, 1), (d.Counts[SetOutcome.Recovered], d.Counts[SetOutcome.Ok], d.Counts[SetOutcome.Unconfirmed]));
        Assert.Equal(Value.Of(1), Assert.Single(d.Elements[SetOutcome.Recovered]).Element);
    }

    [Fact]
    public void Check_AddAfterTheLastRead_IsNeverRead()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->[1] [20,30] | p0 add(2) [40,50]");
        Assert.Equal(Validity.Valid, r.Validity);
        Assert.Equal(1, Detail(r).Counts[SetOutcome.NeverRead]);
    }

    [Fact]
    public void Check_NoAcknowledgedAddFollowedByARead_IsUnknown()
    {
        var r = Check("p1 read->[] [0,10] | p0 add(1) [20,30]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("no acknowledged add", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AddsButNoOkRead_IsUnknown()
    {
        var r = Check("p0 add(1) [0,10] | p1 read:info [20,_]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("no read observed the set", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NemesisOps_AreIgnored() =>
        Assert.Equal(Validity.Valid, Check("p0 add(1) [0,10] | p-1 read->[] [20,30] | p-1 add(7):info [25,26] | p1 read->[1] [40,50]").Validity);

    [Fact]
    public void Check_ReadOfAString_IsUnknownNamingItsPosition()
    {
        var r = Check("p0 add(1) [0,10] | p1 read->\"x\" [20,30] | p1 read->[1] [40,50]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("position 3", r.Error, StringComparison.Ordinal);
        Assert.Equal(1, Detail(r).ReadsChecked);
    }

    [Fact]
    public void Check_ManyLostElements_CapsTheListsButCountsAll()
    {
        var adds = string.Join(" | ", Enumerable.Range(0, 40).Select(i => $"p0 add({i}) [{i * 10},{i * 10 + 5}]"));
        var r = Check(adds + " | p1 read->[] [1000,1010]");
        var d = Detail(r);
        Assert.Equal(40, d.Counts[SetOutcome.Lost]);
        Assert.Equal(SetChecker.ListCap, d.Elements[SetOutcome.Lost].Length);
        Assert.Contains("40 acknowledged adds lost", Assert.Single(r.Anomalies).Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_SimulatedCorrectSets_AreAlwaysValid() =>
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[1, 80], Gen.Double[0, 0.3]).Sample((seed, processes, ops, info) =>
        {
            var r = Check(Histories.Simulate(set: true, seed, processes, ops, info));
            // A history whose acknowledged adds all come after the final read's start cannot be decided.
            Assert.True(r.Validity == Validity.Valid || (r.Validity == Validity.Unknown && Detail(r).Counts[SetOutcome.Ok] == 0),
                $"{r.Validity.Name()}: {r.Error} {string.Join(" / ", r.Anomalies.Select(a => a.Explanation))}");
        }, iter: 300, print: t => Ops.Format(Histories.Simulate(true, t.Item1, t.Item2, t.Item3, t.Item4)));

    [Fact]
    public void Check_WhenAReadDropsAnElementAcknowledgedBeforeItBegan_IsInvalid() =>
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[5, 80], Gen.Int[0, 1000]).Sample((seed, processes, ops, pick) =>
        {
            var h = Histories.Simulate(set: true, seed, processes, ops, 0.15);
            var candidates = (
                from read in Enumerable.Range(0, h.Count)
                where h[read].IsInvoke && h[read].F == "read" && h.OutcomeOf(read) == OpType.Ok
                from add in Enumerable.Range(0, read)
                where h[add].IsInvoke && h[add].F == "add" && h.OutcomeOf(add) == OpType.Ok && h.CompletionOf(add) < read
                select (read, h[add].Value)).ToList();
            if (candidates.Count == 0) return;
            var (r, element) = candidates[pick % candidates.Count];
            var c = h.CompletionOf(r);
            var ops2 = h.ToArray();
            Assert.Contains(element, ops2[c].Value.Items);
            ops2[c] = ops2[c] with { Value = Value.List(ops2[c].Value.Items.Remove(element)) };
            var result = Check(new HistoryList(ops2));
            Assert.Equal(Validity.Invalid, result.Validity);
            Assert.Contains(result.Anomalies, a => a.Kind is "lost" or "stale");
        }, iter: 300);

    private static CheckResult CheckEventual(HistoryList h) => new SetChecker(linearizable: false).Check(h, new CheckOptions());

    [Fact]
    public void Check_NotLinearizable_ReportsAStaleReadButStaysValid()
    {
        var h = Histories.Parse("p0 add(1) [0,10] | p1 read->[] [20,30] | p1 read->[1] [40,50]");

        var r = CheckEventual(h);

        Assert.Equal(Validity.Valid, r.Validity);
        Assert.Null(r.Error);
        Assert.Equal("stale", Assert.Single(r.Anomalies).Kind);
        Assert.Equal(1, Detail(r).Counts[SetOutcome.Stale]);
        Assert.Equal(Validity.Invalid, Check(h).Validity);
        Assert.False(new SetChecker(linearizable: false).Linearizable);
        Assert.True(new SetChecker().Linearizable);
    }

    [Theory]
    [InlineData("p0 add(1) [0,10] | p0 add(2) [11,20] | p1 read->[] [30,40] | p1 read->[1] [50,60]", "lost")]
    [InlineData("p0 add(1) [0,10] | p1 read->[] [20,30] | p1 read->[1 9] [40,50]", "unexpected")]
    public void Check_NotLinearizable_LostAndUnexpectedElementsAreStillInvalid(string history, string kind)
    {
        var r = CheckEventual(Histories.Parse(history));

        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Contains(r.Anomalies, a => a.Kind == kind);
        Assert.Contains(r.Anomalies, a => a.Kind == "stale");
    }

    [Fact]
    public void Check_BothModes_FindTheSameAnomalies_AndDifferOnlyWhenStaleIsAllThereIs() =>
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[5, 60], Gen.Int[0, 1000], Gen.Int[0, 3]).Sample((seed, processes, ops, pick, drops) =>
        {
            // A correct set's history with up to three elements dropped from reads: stale when a later read shows
            // them again, lost when the last read misses them.
            var h = Histories.Simulate(set: true, seed, processes, ops, 0.1);
            var all = h.ToArray();
            var reads = Enumerable.Range(0, h.Count).Where(i => h[i].IsInvoke && h[i].F == "read" && h.OutcomeOf(i) == OpType.Ok)
                .Select(h.CompletionOf).Where(c => all[c].Value.Items.Length > 0).ToList();
            for (var d = 0; d < drops && reads.Count > 0; d++)
            {
                var c = reads[(pick + d * 7) % reads.Count];
                var items = all[c].Value.Items;
                if (items.Length > 0) all[c] = all[c] with { Value = Value.List(items.RemoveAt((pick + d) % items.Length)) };
            }
            var mutated = new HistoryList(all);

            var strict = Check(mutated);
            var eventual = CheckEventual(mutated);

            Assert.Equal(strict.Anomalies.Select(a => (a.Kind, a.Explanation)), eventual.Anomalies.Select(a => (a.Kind, a.Explanation)));
            Assert.Equal(Detail(strict).Counts, Detail(eventual).Counts);
            var breaking = eventual.Anomalies.Any(a => a.Kind != "stale");
            Assert.Equal(breaking, eventual.Validity == Validity.Invalid);
            if (strict.Validity != Validity.Invalid) Assert.Equal(strict.Validity, eventual.Validity);
        }, iter: 300);
}
