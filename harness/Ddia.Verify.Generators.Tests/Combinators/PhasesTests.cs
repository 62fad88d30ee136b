using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class PhasesTests
{
    private static readonly Completer Jittery = Completers.Random(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(50));

    [Fact]
    public void Phases_StartAPhaseOnlyAfterEveryOpOfThePreviousOneCompleted()
    {
        var gen = Gen.Phases(Gen.Limit(20, Gen.Repeat(Do("a"))), Gen.Limit(20, Gen.Repeat(Do("b"))), Gen.Once(Do("c")));

        var history = Run(gen, concurrency: 5, complete: Jittery);

        AssertWellFormed(history);
        AssertAfterAllOf(history, earlier: "a", later: "b");
        AssertAfterAllOf(history, earlier: "b", later: "c");
    }

    [Fact]
    public void Concat_StartsTheNextGenerator_WithoutWaitingForCompletions()
    {
        var history = Run(Gen.Concat(Gen.Limit(5, Gen.Repeat(Do("a"))), Gen.Once(Do("b"))), concurrency: 10, complete: Latency(_ => 10 * Ms));

        Assert.Equal(0, history.Invocations("b")[0].Time);
    }

    [Fact]
    public void Phases_WaitOnlyForTheThreadsTheyMayUse()
    {
        // The nemesis op takes 10 s; the clients' barrier does not wait for it.
        var gen = Gen.ClientsAndNemesis(Gen.Phases(Gen.Once(Do("a")), Gen.Once(Do("b"))), Gen.Once(Do("fault")));

        var history = Run(gen, complete: Latency(op => op.F == "fault" ? 10 * Second : Ms));

        Assert.Equal(Ms, history.Invocations("b")[0].Time);
    }

    [Fact]
    public void MainThenFinal_HealsWaitsThenRunsTheFinalPhase()
    {
        var main = Gen.TimeLimit(TimeSpan.FromSeconds(2), Gen.ClientsAndNemesis(
            Gen.Stagger(TimeSpan.FromMilliseconds(20), Gen.Repeat(Do("w"))),
            Gen.Repeat(Gen.Concat(Gen.Sleep(TimeSpan.FromMilliseconds(500)), Gen.Once(Do("start-partition")),
                                  Gen.Sleep(TimeSpan.FromMilliseconds(500)), Gen.Once(Do("stop-partition"))))));
        var gen = Gen.MainThenFinal(main, heal: Gen.Once(Do("heal")), recovery: TimeSpan.FromSeconds(3), final: Gen.Once(Do("final-read")));

        var history = Run(gen, complete: Jittery);

        AssertWellFormed(history);
        var heal = Assert.Single(history.Invocations("heal"));
        var final = Assert.Single(history.Invocations("final-read"));
        Assert.Equal(Op.NemesisProcess, heal.Process);
        Assert.True(final.Process >= 0);
        AssertAfterAllOf(history, earlier: "w", later: "heal");
        AssertAfterAllOf(history, earlier: "start-partition", later: "heal");
        var healed = history.Single(o => o.F == "heal" && o.IsCompletion);
        Assert.Equal(healed.Time + 3 * Second, final.Time);
    }

    private static void AssertAfterAllOf(List<Op> history, string earlier, string later)
    {
        var first = history.Invocations(later)[0];
        var lastDone = history.Where(o => o.F == earlier && o.IsCompletion).MaxBy(o => o.Index);
        Assert.True(first.Index > lastDone.Index && first.Time >= lastDone.Time,
            $"{later} began at {first} before {earlier} ended at {lastDone}");
    }
}
