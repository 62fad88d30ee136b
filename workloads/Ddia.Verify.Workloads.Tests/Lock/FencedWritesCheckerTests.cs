using CsCheck;
using Ddia.Verify.Checkers;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Lock;

namespace Ddia.Verify.Workloads.Tests.Lock;

public sealed class FencedWritesCheckerTests
{
    private static readonly FencedWritesChecker Checker = new();

    [Fact]
    public void Check_WhenTokensRiseWithTheIndex_IsValid()
    {
        var h = new LockHistory()
            .Write(process: 0, value: 0, token: 3, index: 5)
            .Write(process: 0, value: 1, token: 3, index: 6)      // one holder may write many times under its token
            .Write(process: 1, value: 2, token: 9, index: 10);

        var result = Checker.Check(h.Build(), new CheckOptions());

        Assert.Equal(Validity.Valid, result.Validity);
        Assert.Empty(result.Anomalies);
        Assert.Equal("fenced-writes", result.Checker);
    }

    [Fact]
    public void Check_WhenAPausedHoldersLowerTokenLandsLater_IsInvalid_NamingBothOps()
    {
        var h = new LockHistory();
        var (staleInvoke, staleInvokeDone) = h.Invoke(process: 0, value: 1, stallMs: 3000);   // paused, invoked first
        var (nextInvoke, nextDone) = h.WriteAt(process: 1, value: 2, token: 12, index: 14);
        var staleDone = h.Complete(staleInvokeDone, token: 7, index: 15);

        var result = Checker.Check(h.Build(), new CheckOptions());

        Assert.Equal(Validity.Invalid, result.Validity);
        var anomaly = Assert.Single(result.Anomalies);
        Assert.Equal(FencedWritesChecker.Kind, anomaly.Kind);
        Assert.Equal(new[] { nextInvoke, nextDone, staleInvoke, staleDone }, anomaly.Positions.ToArray());
        foreach (var word in new[] { "token 7", "token 12", "index 15", "index 14", "wrote 1", "write of 2", "3000 ms" })
            Assert.Contains(word, anomaly.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_IgnoresFencedOffAndInfoWrites()
    {
        var h = new LockHistory()
            .Write(process: 1, value: 2, token: 12, index: 14)
            .FailedWrite(process: 0, value: 1)       // fenced off: the system refused it
            .InfoWrite(process: 2, value: 3)          // unknown: no index to place it by
            .Write(process: 3, value: 4, token: 20, index: 30);

        var result = Checker.Check(h.Build(), new CheckOptions());

        Assert.Equal(Validity.Valid, result.Validity);
    }

    [Fact]
    public void Check_WithNoOkWrites_IsUnknown_SayingThereIsNothingToJudge()
    {
        var h = new LockHistory().FailedWrite(process: 0, value: 1).InfoWrite(process: 1, value: 2);

        var result = Checker.Check(h.Build(), new CheckOptions());

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.Contains("nothing to judge", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenAnOkWriteLacksItsIndex_SaysWhichOp()
    {
        var ops = new[]
        {
            new Op(0, 0, OpType.Invoke, 0, LockOps.Write, LockOps.WriteValue(1, 0)),
            new Op(1, 1, OpType.Ok, 0, LockOps.Write, LockOps.TokenValue(4)),
        };

        var e = Assert.Throws<CheckerInputException>(() => Checker.Check(new Ddia.Verify.History.History(ops), new CheckOptions()));

        Assert.Equal(1, e.Position);
        Assert.Contains("'value' is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AnyHistoryWhoseOkWritesHaveNonDecreasingTokensByIndex_IsValid()
    {
        // Writes as (token step, index step, kind): tokens and indexes both rise, so the order by index is the order by
        // token; the writes are then invoked in a shuffled order and interleaved with ignored failed and info writes.
        var write = Gen.Select(Gen.Int[0, 3], Gen.Int[1, 4], Gen.Int[0, 5]);
        Gen.Select(write.Array[1, 40], Gen.Int).Sample((writes, shuffleSeed) =>
        {
            var h = new LockHistory();
            long token = 1, index = 0, value = 0;
            var planned = new List<(long Token, long Index, int Kind)>();
            foreach (var (tokenStep, indexStep, kind) in writes)
            {
                token += tokenStep;
                index += indexStep;
                planned.Add((token, index, kind));
            }
            if (!planned.Any(p => p.Kind > 1)) planned[0] = planned[0] with { Kind = 2 };
            var random = new Random(shuffleSeed);
            foreach (var (t, i, kind) in planned.OrderBy(_ => random.Next()))
            {
                _ = kind switch
                {
                    0 => h.FailedWrite(process: random.Next(5), value: value++),
                    1 => h.InfoWrite(process: random.Next(5), value: value++),
                    _ => h.Write(process: random.Next(5), value: value++, token: t, index: i),
                };
            }
            return Checker.Check(h.Build(), new CheckOptions()).Validity == Validity.Valid;
        });
    }

    /// <summary>Builds lock histories by hand: one op at a time, each write invoked and completed in turn unless split.</summary>
    private sealed class LockHistory
    {
        private readonly List<Op> ops = [];
        private readonly Dictionary<int, Op> open = [];

        public LockHistory Write(int process, long value, long token, long index, long stallMs = 0)
        {
            WriteAt(process, value, token, index, stallMs);
            return this;
        }

        public (int Invoke, int Done) WriteAt(int process, long value, long token, long index, long stallMs = 0)
        {
            var (i, p) = Invoke(process, value, stallMs);
            return (i, Complete(p, token, index));
        }

        public (int Position, int Process) Invoke(int process, long value, long stallMs)
        {
            var op = Add(new Op(0, 0, OpType.Invoke, process, LockOps.Write, LockOps.WriteValue(value, stallMs)));
            open[process] = op;
            return ((int)op.Index, process);
        }

        public int Complete(int process, long token, long index)
        {
            var invoked = open[process];
            open.Remove(process);
            var value = LockOps.Field(invoked.Value, "value")!.Value;
            var stall = LockOps.Field(invoked.Value, "stallMs")!.Value;
            return (int)Add(invoked with { Type = OpType.Ok, Value = LockOps.WrittenValue(value, token, index, stall) }).Index;
        }

        public LockHistory FailedWrite(int process, long value) => Outcome(process, value, OpType.Fail);

        public LockHistory InfoWrite(int process, long value) => Outcome(process, value + 1000, OpType.Info);

        public Ddia.Verify.History.History Build() => new(ops);

        private LockHistory Outcome(int process, long value, OpType type)
        {
            // Each info retires its process (DESIGN.md §2): give these ops processes of their own.
            var p = type == OpType.Info ? 1000 + ops.Count : process;
            var op = Add(new Op(0, 0, OpType.Invoke, p, LockOps.Write, LockOps.WriteValue(value, 0)));
            Add(op with { Type = type, Error = Value.Of("token 1 is older than the highest seen, 2") });
            return this;
        }

        private Op Add(Op op)
        {
            var added = op with { Index = ops.Count, Time = ops.Count };
            ops.Add(added);
            return added;
        }
    }
}
