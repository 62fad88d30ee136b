using Ddia.Verify.History;
using static Ddia.Verify.Checkers.Tests.Linearizability.Verdicts;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>Hand-written histories for <c>register</c> and <c>cas-register</c>; each is also checked against the oracle.</summary>
public sealed class RegisterModelTests
{
    [Fact]
    public void Check_WhenReadSeesOverwrittenValue_ReportsInvalid() =>
        Expect(Validity.Invalid, "register", "p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");

    [Fact]
    public void Check_WhenConcurrentWritesAreSeenInEitherOrder_ReportsValid() =>
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 w2 [5,15] | p2 r1 [12,20] | p2 r1 [25,30]");

    [Fact]
    public void Check_WhenReadOverlapsWrite_AcceptsOldAndNewValue()
    {
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p0 w2 [20,30] | p1 r1 [25,35]");
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p0 w2 [20,30] | p1 r2 [25,35]");
    }

    [Fact]
    public void Check_WhenIntervalsOnlyTouch_TreatsThemAsConcurrent() =>
        // Closed intervals: the read invoked at 10 overlaps the write completing at 10, so it may precede it.
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 r_ [10,20]");

    [Fact]
    public void Check_WhenStaleReadAfterNewValueWasRead_ReportsInvalid() =>
        Expect(Validity.Invalid, "register", "p0 w1 [0,10] | p0 w2 [20,40] | p1 r2 [25,30] | p2 r1 [32,35]");

    [Fact]
    public void Check_WhenReadReturnsValueNeverWritten_ReportsInvalid() =>
        Expect(Validity.Invalid, "register", "p0 w1 [0,10] | p1 r7 [5,15]");

    [Fact]
    public void Check_WhenInitialValueGiven_ReadsItBeforeAnyWrite()
    {
        Expect(Validity.Valid, "register", "p0 r0 [0,10] | p1 w1 [20,30] | p0 r1 [40,50]", initial: Value.Of(0));
        Expect(Validity.Invalid, "register", "p0 r0 [0,10]");
    }

    [Fact]
    public void Check_WhenWriteFailed_IgnoresIt() =>
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 w2:fail [20,30] | p0 r1 [40,50]");

    [Fact]
    public void Check_WhenInfoWriteIsSeenAfterAnOlderValue_LinearizesItLate() =>
        // The info write must take effect after the first read of 1 completed, long after it was invoked.
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 w2:info [5,_] | p0 r1 [20,30] | p2 r2 [40,50]");

    [Fact]
    public void Check_WhenInfoCompletionIsRecorded_StillLetsTheEffectComeLater() =>
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 w2:info [5,8] | p0 r1 [20,30] | p2 r2 [40,50]");

    [Fact]
    public void Check_WhenInfoWriteIsNeverSeen_LeavesItOut() =>
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 w2:info [5,_] | p0 r1 [20,30] | p0 r1 [40,50]");

    [Fact]
    public void Check_WhenReadSeesInfoWriteInvokedAfterIt_ReportsInvalid() =>
        Expect(Validity.Invalid, "register", "p0 w1 [0,10] | p1 r2 [20,30] | p2 w2:info [40,_]");

    [Fact]
    public void Check_WhenTwoIdenticalInfoWritesAreBothNeeded_UsesBoth() =>
        Expect(Validity.Valid, "register",
            "p1 w2:info [0,_] | p0 r2 [10,20] | p0 w3 [30,40] | p2 w2:info [50,_] | p0 r2 [60,70]");

    [Fact]
    public void Check_WhenSecondIdenticalInfoWriteComesTooLate_ReportsInvalid() =>
        Expect(Validity.Invalid, "register",
            "p1 w2:info [0,_] | p0 r2 [10,20] | p0 w3 [30,40] | p0 r2 [60,70] | p2 w2:info [80,_]");

    [Fact]
    public void Check_WhenReadNeverCompletes_IgnoresIt() =>
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 r_:info [20,_] | p0 r1 [30,40]");

    [Fact]
    public void Check_WhenNilReadAfterWriteUnderNativeConventions_ReportsInvalid() =>
        // Our own histories (and Porcupine's) mean nil as "absent": after a write of 1 it is a stale read.
        Expect(Validity.Invalid, "register", "p0 w1 [0,10] | p1 r_ [20,30]", SourceConventions.Native);

    [Fact]
    public void Check_WhenNilReadAfterWriteUnderKnossosConventions_IgnoresIt() =>
        // Knossos means a nil read as "value unknown": it constrains nothing.
        Expect(Validity.Valid, "register", "p0 w1 [0,10] | p1 r_ [20,30] | p0 w2 [40,50] | p1 r_ [60,70]", SourceConventions.Knossos);

    [Fact]
    public void Check_WhenNonNilStaleReadUnderKnossosConventions_StillReportsInvalid() =>
        Expect(Validity.Invalid, "register", "p0 w1 [0,10] | p0 w2 [20,30] | p1 r_ [40,50] | p1 r1 [60,70]", SourceConventions.Knossos);

    [Fact]
    public void Check_WhenCasSucceedsFromCurrentValue_ReportsValid() =>
        Expect(Validity.Valid, "cas-register", "p0 w1 [0,10] | p1 c1>2 [20,30] | p2 r2 [40,50]");

    [Fact]
    public void Check_WhenCasSucceedsFromWrongValue_ReportsInvalid() =>
        Expect(Validity.Invalid, "cas-register", "p0 w1 [0,10] | p1 c2>3 [20,30]");

    [Fact]
    public void Check_WhenConcurrentCasOpsBothSucceed_OrdersThem() =>
        Expect(Validity.Valid, "cas-register", "p0 w0 [0,10] | p1 c1>2 [20,40] | p2 c0>1 [25,35] | p0 r2 [50,60]");

    [Fact]
    public void Check_WhenTwoCasOpsFromSameValueBothSucceed_ReportsInvalid() =>
        Expect(Validity.Invalid, "cas-register", "p0 w0 [0,10] | p1 c0>1 [20,40] | p2 c0>2 [25,35]");

    [Fact]
    public void Check_WhenFailedCasUnderNativeConventions_IgnoresIt() =>
        // A failed cas did not happen: it says nothing about the state, even though its compare would have succeeded.
        Expect(Validity.Valid, "cas-register", "p0 w1 [0,10] | p1 c1>2:fail [20,30] | p2 r1 [40,50]", SourceConventions.Native);

    [Fact]
    public void Check_WhenFailedCasUnderPorcupineConventions_ConstrainsTheState()
    {
        // Porcupine: a failed cas saw a value other than its "from"; here the register certainly held 1.
        Expect(Validity.Invalid, "cas-register", "p0 w1 [0,10] | p1 c1>2:fail [20,30] | p2 r1 [40,50]", SourceConventions.Porcupine);
        Expect(Validity.Valid, "cas-register", "p0 w1 [0,10] | p1 c3>2:fail [20,30] | p2 r1 [40,50]", SourceConventions.Porcupine);
    }

    [Fact]
    public void Check_WhenFailedCasUnderPorcupineOverlapsAWrite_PlacesItBefore() =>
        Expect(Validity.Valid, "cas-register", "p0 w1 [0,10] | p1 c1>2:fail [20,40] | p2 w3 [25,35] | p2 r3 [50,60]", SourceConventions.Porcupine);

    [Fact]
    public void Check_WhenInfoCasIsNeededToExplainARead_AppliesIt() =>
        Expect(Validity.Valid, "cas-register", "p0 w1 [0,10] | p1 c1>2:info [20,_] | p2 r2 [40,50]");

    [Fact]
    public void Check_WhenInfoCasCouldNotHaveSucceeded_ReportsInvalid() =>
        Expect(Validity.Invalid, "cas-register", "p0 w1 [0,10] | p1 c3>2:info [20,_] | p2 r2 [40,50]");

    [Fact]
    public void Check_WhenChainOfInfoOpsIsNeeded_FindsTheOrder() =>
        Expect(Validity.Valid, "cas-register",
            "p0 w1 [0,10] | p1 c2>3:info [11,_] | p2 c1>2:info [12,_] | p3 w9:info [13,_] | p0 r3 [20,30] | p0 r9 [40,50]");
}
