using static Ddia.Verify.Checkers.Tests.Linearizability.Verdicts;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>
/// Hand-written histories for the catalog's other models (multi-register, kv, kv-map, mutex, set,
/// fifo-queue, unordered-queue): a valid and an invalid case each, plus their info and fail rules.
/// Each is also checked against the oracle.
/// </summary>
public sealed class CollectionModelTests
{
    // multi-register

    [Fact]
    public void Check_WhenTxnReadsBothWritesOfAnEarlierTxn_ReportsValid() =>
        Expect(Validity.Valid, "multi-register",
            "p0 txn([[w x 1] [w y 2]]) [0,10] | p1 txn([[r x _] [r y _]])->[[r x 1] [r y 2]] [20,30]");

    [Fact]
    public void Check_WhenTxnReadsStatesThatNeverCoexisted_ReportsInvalid() =>
        Expect(Validity.Invalid, "multi-register",
            "p0 txn([[w x 1] [w y 1]]) [0,10] | p0 txn([[w x 2] [w y 2]]) [20,30] | p1 txn([[r x _] [r y _]])->[[r x 1] [r y 2]] [15,35]");

    [Fact]
    public void Check_WhenMultiRegisterReadsNil_IgnoresThatRead() =>
        // As in Knossos, a nil read in a txn is an unknown result.
        Expect(Validity.Valid, "multi-register", "p0 txn([[w x 1]]) [0,10] | p1 txn([[r x _] [r y _]])->[[r x _] [r y _]] [20,30]");

    [Fact]
    public void Check_WhenInfoTxnExplainsALaterRead_AppliesIt() =>
        Expect(Validity.Valid, "multi-register",
            "p0 txn([[w x 1]]) [0,10] | p1 txn([[w x 2] [w y 2]]):info [20,_] | p2 txn([[r x _] [r y _]])->[[r x 2] [r y 2]] [30,40]");

    // kv and kv-map

    [Theory]
    [InlineData("kv")]
    [InlineData("kv-map")]
    public void Check_WhenAppendsAreReadInOrder_ReportsValid(string model) =>
        Expect(Validity.Valid, model,
            "p0 kx:put(\"a\") [0,10] | p1 kx:append(\"b\") [20,30] | p2 ky:append(\"c\") [20,30] | p1 kx:get->\"ab\" [40,50] | p2 ky:get->\"c\" [40,50] | p2 kz:get->_ [60,70]");

    [Theory]
    [InlineData("kv")]
    [InlineData("kv-map")]
    public void Check_WhenGetMissesACompletedAppend_ReportsInvalid(string model) =>
        Expect(Validity.Invalid, model, "p0 kx:put(\"a\") [0,10] | p1 kx:append(\"b\") [20,30] | p2 kx:get->\"a\" [40,50]");

    [Theory]
    [InlineData("kv")]
    [InlineData("kv-map")]
    public void Check_WhenGetSeesAnotherKeysValue_ReportsInvalid(string model) =>
        Expect(Validity.Invalid, model, "p0 kx:put(\"a\") [0,10] | p1 ky:get->\"a\" [20,30]");

    [Theory]
    [InlineData("kv")]
    [InlineData("kv-map")]
    public void Check_WhenInfoAppendIsSeenLate_AppliesIt(string model) =>
        Expect(Validity.Valid, model,
            "p0 kx:put(\"a\") [0,10] | p1 kx:append(\"b\"):info [5,_] | p2 kx:get->\"a\" [20,30] | p2 kx:get->\"ab\" [40,50]");

    [Theory]
    [InlineData("kv")]
    [InlineData("kv-map")]
    public void Check_WhenPutFailed_IgnoresIt(string model) =>
        Expect(Validity.Valid, model, "p0 kx:put(\"a\") [0,10] | p1 kx:put(\"b\"):fail [20,30] | p2 kx:get->\"a\" [40,50]");

    // mutex

    [Fact]
    public void Check_WhenLockIsTakenInTurn_ReportsValid() =>
        Expect(Validity.Valid, "mutex", "p0 acquire [0,10] | p0 release [20,30] | p1 acquire [40,50] | p1 release [60,70]");

    [Fact]
    public void Check_WhenTwoClientsHoldTheLock_ReportsInvalid() =>
        Expect(Validity.Invalid, "mutex", "p0 acquire [0,10] | p1 acquire [20,30]");

    [Fact]
    public void Check_WhenInfoAcquireWouldBreakEveryOrder_LeavesItOut() =>
        // Taking effect anywhere (even after the end: the lock is held then) would make some acquire impossible.
        Expect(Validity.Valid, "mutex", "p0 acquire:info [0,_] | p1 acquire [10,20] | p1 release [30,40] | p2 acquire [50,60]");

    [Fact]
    public void Check_WhenInfoReleaseIsNeeded_LinearizesItBeforeTheNextAcquire() =>
        Expect(Validity.Valid, "mutex", "p0 acquire [0,10] | p0 release:info [20,_] | p1 acquire [30,40]");

    [Fact]
    public void Check_WhenAcquireFailed_IgnoresIt() =>
        Expect(Validity.Valid, "mutex", "p0 acquire [0,10] | p1 acquire:fail [20,30] | p0 release [40,50]");

    // set

    [Fact]
    public void Check_WhenReadsSeeAddsInRealTimeOrder_ReportsValid() =>
        Expect(Validity.Valid, "set", "p0 add(1) [0,10] | p1 add(2) [5,15] | p2 read->[1] [8,12] | p2 read->[2 1] [20,30]");

    [Fact]
    public void Check_WhenReadLosesACompletedAdd_ReportsInvalid() =>
        Expect(Validity.Invalid, "set", "p0 add(1) [0,10] | p1 add(2) [20,30] | p2 read->[2] [40,50]");

    [Fact]
    public void Check_WhenInfoAddShowsUpLater_ReportsValid() =>
        Expect(Validity.Valid, "set", "p0 add(1) [0,10] | p1 add(2):info [5,_] | p2 read->[1] [20,30] | p2 read->[1 2] [40,50]");

    [Fact]
    public void Check_WhenFailedAddShowsUp_ReportsInvalid() =>
        Expect(Validity.Invalid, "set", "p0 add(1):fail [0,10] | p2 read->[1] [20,30]");

    // fifo-queue

    [Fact]
    public void Check_WhenDequeuesFollowEnqueueOrder_ReportsValid() =>
        Expect(Validity.Valid, "fifo-queue",
            "p0 enqueue(1) [0,10] | p1 enqueue(2) [20,30] | p2 dequeue->1 [40,50] | p2 dequeue->2 [60,70] | p2 dequeue->_ [80,90]");

    [Fact]
    public void Check_WhenFifoDequeueSkipsTheHead_ReportsInvalid() =>
        Expect(Validity.Invalid, "fifo-queue", "p0 enqueue(1) [0,10] | p1 enqueue(2) [20,30] | p2 dequeue->2 [40,50]");

    [Fact]
    public void Check_WhenFifoDequeueSeesEmptyQueue_ReportsInvalid() =>
        Expect(Validity.Invalid, "fifo-queue", "p0 enqueue(1) [0,10] | p1 dequeue->_ [20,30]");

    [Fact]
    public void Check_WhenInfoDequeueMustHaveTakenTheHead_ReportsValid() =>
        Expect(Validity.Valid, "fifo-queue", "p0 enqueue(1) [0,10] | p0 enqueue(2) [20,30] | p1 dequeue:info [40,_] | p2 dequeue->2 [50,60]");

    [Fact]
    public void Check_WhenEnqueuesOverlap_AcceptsEitherOrder() =>
        Expect(Validity.Valid, "fifo-queue", "p0 enqueue(1) [0,10] | p1 enqueue(2) [0,10] | p2 dequeue->2 [20,30] | p2 dequeue->1 [40,50]");

    // unordered-queue

    [Fact]
    public void Check_WhenUnorderedDequeuesTakeAnyElement_ReportsValid() =>
        Expect(Validity.Valid, "unordered-queue",
            "p0 enqueue(1) [0,10] | p1 enqueue(2) [20,30] | p2 dequeue->2 [40,50] | p2 dequeue->1 [60,70] | p2 dequeue->_ [80,90]");

    [Fact]
    public void Check_WhenAnElementIsDequeuedTwice_ReportsInvalid() =>
        Expect(Validity.Invalid, "unordered-queue", "p0 enqueue(1) [0,10] | p1 dequeue->1 [20,30] | p2 dequeue->1 [40,50]");

    [Fact]
    public void Check_WhenDequeuePrecedesItsEnqueue_ReportsInvalid() =>
        Expect(Validity.Invalid, "unordered-queue", "p1 dequeue->1 [0,10] | p0 enqueue(1) [20,30]");

    [Fact]
    public void Check_WhenInfoEnqueueIsDequeuedLater_ReportsValid() =>
        Expect(Validity.Valid, "unordered-queue", "p0 enqueue(1):info [0,_] | p1 enqueue(2) [10,20] | p2 dequeue->2 [30,40] | p2 dequeue->1 [50,60]");
}
