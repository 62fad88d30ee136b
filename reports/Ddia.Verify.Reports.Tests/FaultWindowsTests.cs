using CsCheck;
using Ddia.Verify.History;

namespace Ddia.Verify.Reports.Tests;

public sealed class FaultWindowsTests
{
    private static Op Nemesis(long time, string f, OpType type = OpType.Info) => new(0, time, type, Op.NemesisProcess, f, Value.Nil);

    private static Op[] Indexed(params Op[] ops) => [.. ops.Select((o, i) => o with { Index = i })];

    [Fact]
    public void Find_PairsEachStartWithTheNextStopOfTheSameKind()
    {
        var ops = Indexed(
            Nemesis(10, "start-partition"), Nemesis(15, "pause"), Nemesis(20, "stop-partition"),
            Nemesis(25, "resume"), Nemesis(30, "start-partition"), Nemesis(40, "stop-partition"));

        var windows = FaultWindows.Find(ops);

        Assert.Equal(
            [new FaultWindow("partition", 10, 20, 0, 2), new FaultWindow("pause", 15, 25, 1, 3), new FaultWindow("partition", 30, 40, 4, 5)],
            windows);
    }

    [Fact]
    public void Find_WhenTheNemesisRecordsInvokeAndInfo_SpansFromTheStartsInvokeToTheStopsCompletion()
    {
        var ops = Indexed(
            Nemesis(10, "kill", OpType.Invoke), Nemesis(12, "kill"),
            Nemesis(30, "start", OpType.Invoke), Nemesis(35, "start"));

        Assert.Equal([new FaultWindow("kill", 10, 35, 0, 3)], FaultWindows.Find(ops));
    }

    [Fact]
    public void Find_WhenAFaultIsNeverStopped_ItRunsToTheEnd()
    {
        var ops = Indexed(Nemesis(10, "bump-clock"), new Op(0, 99, OpType.Invoke, 0, "read", Value.Nil));

        var w = Assert.Single(FaultWindows.Find(ops));

        Assert.Equal(new FaultWindow("clock", 10, null, 0, null), w);
        Assert.True(w.IsOpenEnded);
        Assert.Equal(99, w.EndOr(99));
    }

    [Fact]
    public void Find_HealStopsEveryOpenFault()
    {
        var ops = Indexed(Nemesis(1, "start-loss"), Nemesis(2, "strobe-clock"), Nemesis(5, "heal"));

        Assert.Equal([new FaultWindow("loss", 1, 5, 0, 2), new FaultWindow("clock", 2, 5, 1, 2)], FaultWindows.Find(ops));
    }

    [Fact]
    public void Find_IgnoresClientOpsRepeatedStartsAndStopsWithNothingOn()
    {
        var ops = Indexed(
            new Op(0, 0, OpType.Invoke, 3, "start-partition", Value.Nil),   // a client op, not a fault
            Nemesis(1, "stop-partition"),
            Nemesis(2, "start-partition"), Nemesis(3, "start-partition"),
            Nemesis(4, "stop-partition"), Nemesis(5, "stop-partition"));

        Assert.Equal([new FaultWindow("partition", 2, 4, 2, 4)], FaultWindows.Find(ops));
    }

    [Theory]
    [InlineData("start-partition", "partition", true)]
    [InlineData("partition-stop", "partition", false)]
    [InlineData("kill", "kill", true)]
    [InlineData("start", "kill", false)]
    [InlineData("strobe-clock", "clock", true)]
    [InlineData("reset-clock", "clock", false)]
    [InlineData("stop-loss", "loss", false)]
    [InlineData("start-bridge", "bridge", true)]
    [InlineData("disk-stop", "disk", false)]
    public void Classify_KnowsOurFsAndTheStartStopNamingConvention(string f, string kind, bool isStart) =>
        Assert.Equal((kind, isStart), FaultWindows.Classify(f));

    [Theory]
    [InlineData("read")]
    [InlineData("heal")]
    [InlineData("start-")]
    public void Classify_OtherFs_AreNoFault(string f) => Assert.Null(FaultWindows.Classify(f));

    // Nemesis histories of random start/stop ops (as info, or as invoke + info), with times that never go back.
    private static readonly string[] Fs =
        ["start-partition", "stop-partition", "pause", "resume", "kill", "start", "bump-clock", "strobe-clock", "reset-clock", "start-loss", "stop-loss", "heal"];

    private static readonly Gen<Op[]> NemesisHistories =
        Gen.Select(Gen.Int[0, Fs.Length - 1], Gen.Int[0, 5], Gen.Bool).Array[0, 40].Select(steps =>
        {
            var ops = new List<Op>();
            var time = 0L;
            foreach (var (f, gap, twoEvents) in steps)
            {
                time += gap;
                if (twoEvents) ops.Add(Nemesis(time, Fs[f], OpType.Invoke));
                time += gap;
                ops.Add(Nemesis(time, Fs[f]));
            }
            return Indexed([.. ops]);
        });

    [Fact]
    public void Find_WindowsOfOneKind_NeverOverlap() =>
        NemesisHistories.Sample(ops =>
            FaultWindows.Find(ops).GroupBy(w => w.Kind).All(kind =>
            {
                var ws = kind.OrderBy(w => w.StartPosition).ToList();
                return ws.Zip(ws.Skip(1)).All(p => p.First.End is { } end && end <= p.Second.Start && p.First.EndPosition < p.Second.StartPosition);
            }), print: Describe);

    [Fact]
    public void Find_EveryStart_LiesInAWindowOfItsKind() =>
        NemesisHistories.Sample(ops =>
        {
            var windows = FaultWindows.Find(ops);
            return ops.Select((op, i) => (op, i)).Where(p => FaultWindows.Classify(p.op.F) is (_, true)).All(p =>
                windows.Any(w => w.Kind == FaultWindows.Classify(p.op.F)!.Value.Kind
                                 && w.StartPosition <= p.i && (w.EndPosition is not { } e || p.i < e)));
        }, print: Describe);

    [Fact]
    public void Find_AStartWithNoLaterStop_RunsToTheEnd() =>
        NemesisHistories.Sample(ops =>
        {
            var windows = FaultWindows.Find(ops);
            var kinds = ops.Select(o => FaultWindows.Classify(o.F)?.Kind).OfType<string>().Distinct();
            return kinds.All(kind =>
            {
                var lastStart = Array.FindLastIndex(ops, o => FaultWindows.Classify(o.F) == (kind, true));
                var stoppedLater = ops.Skip(lastStart + 1).Any(o => o.F == FaultWindows.HealAll || FaultWindows.Classify(o.F) == (kind, false));
                var open = windows.Where(w => w.Kind == kind && w.IsOpenEnded).ToList();
                return lastStart < 0 || stoppedLater ? open.Count == 0 : open.Count == 1 && open[0].StartPosition <= lastStart;
            });
        }, print: Describe);

    [Fact]
    public void Find_WindowsComeOutOrderedByStart() =>
        NemesisHistories.Sample(ops =>
        {
            var starts = FaultWindows.Find(ops).Select(w => w.Start).ToList();
            return starts.SequenceEqual(starts.Order());
        }, print: Describe);

    private static string Describe(Op[] ops) =>
        string.Join(", ", ops.Select(o => FormattableString.Invariant($"{o.Time}:{Op.TypeName(o.Type)}:{o.F}")));
}
