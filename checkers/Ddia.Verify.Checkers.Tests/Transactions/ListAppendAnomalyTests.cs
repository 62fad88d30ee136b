using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Tests.Transactions;

/// <summary>
/// One hand-written list-append history per anomaly kind (Txns DSL: <c>ax1</c> appends 1 to x,
/// <c>rx[1,2]</c> reads x = [1, 2]). Each asserts the kind, the transactions involved and the models
/// ruled out; <see cref="TxnPropertyTests"/> checks that no serial history shows any of them.
/// </summary>
public sealed class ListAppendAnomalyTests
{
    internal static TxnCheckResult Check(string history, params string[] models) =>
        new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = models.Length == 0 ? ["strict-serializable"] : models })
            .Analyze(Txns.Parse(history));

    [Fact]
    public void G0_WriteCycle_TwoTransactionsAppendInOppositeOrdersOnTwoKeys()
    {
        var r = Check("p0 ax1 ay1 [0,10] | p1 ax2 ay2 [0,10] | p2 rx[1,2] ry[2,1] [20,30]");
        Assert.Equal(Validity.Invalid, r.Validity);
        var cycle = Assert.Single(r.Cycles, c => c.Kind == "G0");
        Assert.All(cycle.Steps, s => Assert.Equal(Rel.WW, s.Rel));
        Assert.Equal(["read-uncommitted"], r.Not);
    }

    [Fact]
    public void G1a_AbortedRead_NamesTheReaderAndTheFailedWriter()
    {
        var r = Check("p0 ax1 [0,10]:fail | p1 rx[1] [20,30]");
        var f = Assert.Single(r.Findings, f => f.Kind == "G1a");
        Assert.Equal(Value.Of(1), f.Element);
        Assert.Equal(Value.Of("x"), f.Key);
        Assert.Equal(2, f.Positions.Length);
        Assert.Contains("read-committed", r.Not);
    }

    [Fact]
    public void G1b_IntermediateRead_ReadEndsInAnAppendItsWriterFollowedUp()
    {
        var r = Check("p0 ax1 ax2 [0,10] | p1 rx[1] [5,8]");
        var f = Assert.Single(r.Findings, f => f.Kind == "G1b");
        Assert.Equal(Value.Of(1), f.Element);
        Assert.Equal(Validity.Invalid, r.Validity);
    }

    [Fact]
    public void G1c_CircularInformationFlow_EachReadsTheOthersAppend()
    {
        var r = Check("p0 ax1 ry[1] [0,10] | p1 ay1 rx[1] [0,10]");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G1c", cycle.Kind);
        Assert.All(cycle.Steps, s => Assert.Equal(Rel.WR, s.Rel));
        Assert.Equal(["read-committed"], r.Not);
    }

    [Fact]
    public void GSingle_ReadSkew_SeesOneAppendOfATransactionButNotTheOther()
    {
        var r = Check("p0 ax1 ay1 [0,10] | p1 rx[] ry[1] [5,20]", "snapshot-isolation");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G-single-item", cycle.Kind);
        Assert.Equal(1, cycle.Steps.Count(s => s.Rel == Rel.RW));
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal(["consistent-view", "repeatable-read"], r.Not);
        Assert.Contains("did not observe", cycle.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void GNonadjacent_TwoReadWriteEdgesSeparatedByReads_RuleOutSnapshotIsolation()
    {
        var r = Check("p0 rx[] rw[1] [0,100] | p1 ax1 ay1 [0,100] | p2 ry[1] rz[] [0,100] | p3 az1 aw1 [0,100]", "snapshot-isolation");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G-nonadjacent-item", cycle.Kind);
        Assert.Equal(2, cycle.Steps.Count(s => s.Rel == Rel.RW));
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Contains("snapshot-isolation", ConsistencyModels.Impossible(r.AnomalyTypes));
    }

    [Fact]
    public void G2Item_WriteSkew_TwoDoctorsEachSeeTheOtherOnCall_SnapshotIsolationHoldsSerializableDoesNot()
    {
        const string doctors = "p0 rx[] ry[] ax1 [0,10] | p1 rx[] ry[] ay1 [0,10]";
        var si = Check(doctors, "snapshot-isolation");
        Assert.Equal(Validity.Valid, si.Validity);
        var cycle = Assert.Single(si.Cycles);
        Assert.Equal("G2-item", cycle.Kind);
        Assert.Equal([Rel.RW, Rel.RW], cycle.Steps.Select(s => s.Rel));
        Assert.Equal(["repeatable-read"], si.Not);
        Assert.DoesNotContain("lost-update", si.AnomalyTypes);

        Assert.Equal(Validity.Invalid, Check(doctors, "serializable").Validity);
        // Concurrent write skew is no real-time cycle: strong snapshot isolation allows it too.
        Assert.Equal(Validity.Valid, Check(doctors, "strong-snapshot-isolation").Validity);
    }

    [Fact]
    public void G2Item_ThreeReadWriteEdgesInARow_IsADataCycle_NotOnlyOneThroughProcessOrder()
    {
        // Found by the brute-force oracle: T3 -rw(k1)-> T2 -rw(k0)-> T4 -rw(k2)-> T3 needs no process edge.
        var r = Check("p0 rk0[] [1000,13000] | p1 rk0[] ak1.1 [2000,7000] | p2 rk2[] ak2.1 rk1[] [3000,16000] | p1 rk2[] rk0[] ak0.1 [8000,15000] " +
                      "| p2 rk2[1] rk0[1] rk2[1] [17000,22000] | p0 ak2.2 rk0[1] [18000,26000]", "serializable");
        Assert.Equal(Validity.Invalid, r.Validity);
        var cycle = Assert.Single(r.Cycles, c => c.Kind == "G2-item");
        Assert.Equal(3, cycle.Steps.Count(s => s.Rel == Rel.RW));
    }

    [Fact]
    public void LostUpdate_TwoTransactionsReadTheSameVersionAndBothAppend()
    {
        var r = Check("p0 ax0 [0,5] | p1 rx[0] ax1 [10,20] | p2 rx[0] ax2 [10,20] | p3 rx[0,1,2] [30,40]", "snapshot-isolation");
        var f = Assert.Single(r.Findings, f => f.Kind == "lost-update");
        Assert.Equal(Value.List(Value.Of(0)), f.Element);
        Assert.Equal(2, f.Positions.Length);
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal(["cursor-stability", "update-atomic"], r.Not);
    }

    [Fact]
    public void Internal_ReadAfterOwnAppendMissesIt()
    {
        var r = Check("p0 ax1 rx[] [0,10]");
        Assert.Equal("internal", Assert.Single(r.Findings, f => f.Kind == "internal").Kind);
        Assert.Equal(Validity.Invalid, r.Validity);
    }

    [Fact]
    public void Internal_SecondReadDisagreesWithFirst()
    {
        var r = Check("p0 ax1 ax2 [0,10] | p1 rx[1] rx[1,2] [20,30]");
        var f = Assert.Single(r.Findings, f => f.Kind == "internal");
        Assert.Equal(Value.List(Value.Of(1)), f.Element);
    }

    [Fact]
    public void FutureRead_ReadsAnElementItAppendsLater()
    {
        var r = Check("p0 rx[1] ax1 [0,10]");
        Assert.Single(r.Findings, f => f.Kind == "future-read");
        Assert.Equal(["read-committed"], r.Not);
    }

    [Fact]
    public void DuplicateElements_ReadListsAnElementTwice()
    {
        var r = Check("p0 ax1 [0,10] | p1 rx[1,1] [20,30]");
        Assert.Equal(Value.Of(1), Assert.Single(r.Findings, f => f.Kind == "duplicate-elements").Element);
        Assert.Equal(["read-uncommitted"], r.Not);
    }

    [Fact]
    public void GarbageRead_ReadsAnElementNobodyAppended()
    {
        var r = Check("p0 ax1 [0,10] | p1 rx[1,5] [20,30]");
        Assert.Equal(Value.Of(5), Assert.Single(r.Findings, f => f.Kind == "garbage-read").Element);
        Assert.Equal(Validity.Invalid, r.Validity);
    }

    [Fact]
    public void IncompatibleOrder_TwoReadsThatAreNotPrefixesOfOneOrder()
    {
        var r = Check("p0 ax1 [0,1] | p1 ax2 [0,1] | p2 rx[1] [5,6] | p3 rx[2] [5,6]");
        var f = Assert.Single(r.Findings, f => f.Kind == "incompatible-order");
        Assert.Equal(Value.List(Value.List(Value.Of(2)), Value.List(Value.Of(1))).Items.Length, f.Element!.Items.Length);
        Assert.Contains("read-committed", r.Not);
    }

    [Fact]
    public void DirtyUpdate_CommittedAppendBuiltOnAFailedOne()
    {
        var r = Check("p0 ax1 [0,10]:fail | p1 ax2 [0,10] | p2 rx[1,2] [20,30]");
        var f = Assert.Single(r.Findings, f => f.Kind == "dirty-update");
        Assert.Equal(Value.List(Value.Of(1), Value.Of(2)), f.Element);
    }

    [Fact]
    public void StaleRead_GSingleRealtime_SerializableButNotStrictSerializable()
    {
        const string stale = "p0 ax1 [0,10] | p1 rx[] [20,30]";
        var strict = Check(stale);
        Assert.Equal(Validity.Invalid, strict.Validity);
        var cycle = Assert.Single(strict.Cycles);
        Assert.Equal("G-single-item-realtime", cycle.Kind);
        Assert.Contains(cycle.Steps, s => s.Why is Why.Realtime);
        Assert.Equal(["strong-snapshot-isolation"], strict.Not);
        Assert.Equal(Validity.Valid, Check(stale, "serializable").Validity);
        // A commit lost in a crash looks like this, so strong snapshot isolation (the PostgreSQL crash run's model) sees it.
        Assert.Equal(Validity.Invalid, Check(stale, "strong-snapshot-isolation").Validity);
    }

    [Fact]
    public void G0Process_OneProcessAppendsInAnOrderTheReadContradicts()
    {
        var r = Check("p0 ax1 [0,10] | p0 ax2 [20,30] | p1 rx[2,1] [40,50]");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G0-process", cycle.Kind);
        Assert.Contains(cycle.Steps, s => s.Why is Why.ProcessOrder { Process: 0 });
        Assert.Equal(["strong-session-read-uncommitted"], r.Not);
    }

    [Fact]
    public void InfoTransactions_MayHaveCommitted_TheirAppendsAreNotGarbage()
    {
        var r = Check("p0 ax1 [0,_] | p1 rx[1] [20,30] | p2 rx[1] [40,50]");
        Assert.DoesNotContain(r.Findings, f => f.Kind is "garbage-read" or "G1a");
        Assert.Equal(Validity.Valid, r.Validity);
    }

    [Fact]
    public void DuplicateAppends_MakeTheHistoryUnanalyzable_NotValid()
    {
        var r = Check("p0 ax1 [0,10] | p1 ax1 [20,30] | p2 rx[1] [40,50]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("more than once", r.UnknownReason, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyGraph_SingleTransaction_IsUnknown()
    {
        var r = Check("p0 rx[] [0,10]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains(UnknownAnomalies.EmptyTransactionGraph, r.AnomalyTypes);
    }

    [Fact]
    public void BadInput_NotAListOfMicroOps_NamesThePosition()
    {
        var history = new Ddia.Verify.History.History(
        [
            new Op(0, 0, OpType.Invoke, 0, "txn", Value.Of(3)),
            new Op(1, 1, OpType.Ok, 0, "txn", Value.Of(3)),
        ]);
        var e = Assert.Throws<CheckerInputException>(() => new TransactionalChecker(TxnWorkload.ListAppend).Analyze(history));
        Assert.Equal(1, e.Position);
        Assert.Equal("value", e.Field);
    }

    [Fact]
    public void UnknownModel_IsRejectedWithTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["serialisable"] }));
        Assert.Contains("serializable", e.Message, StringComparison.Ordinal);
    }
}
