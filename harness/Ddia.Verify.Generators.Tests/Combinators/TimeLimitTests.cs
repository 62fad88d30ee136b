using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class TimeLimitTests
{
    [Fact]
    public void TimeLimit_StopsEmittingAtTheLimit()
    {
        var history = Run(Gen.TimeLimit(TimeSpan.FromSeconds(1), Gen.Delay(TimeSpan.FromMilliseconds(10), Gen.Repeat(Do("r")))));

        var invocations = history.Invocations();
        Assert.Equal(100, invocations.Count);                     // at 0, 10, ..., 990 ms
        Assert.Equal(990 * Ms, invocations[^1].Time);
        Assert.All(invocations, o => Assert.True(o.Time < Second));
    }

    [Fact]
    public void TimeLimit_EndsOnTime_WhileItsGeneratorIsStillWaiting()
    {
        // The inner generator sleeps 10 s; the limit wakes the scheduler at 1 s and the next phase starts then.
        var gen = Gen.Phases(
            Gen.TimeLimit(TimeSpan.FromSeconds(1), Gen.Concat(Gen.Sleep(TimeSpan.FromSeconds(10)), Gen.Once(Do("never")))),
            Gen.Once(Do("next")));

        var invocation = Assert.Single(Run(gen).Invocations());
        Assert.Equal(("next", Second), (invocation.F, invocation.Time));
    }

    [Fact]
    public void TimeLimit_ClockStartsWhenTheGeneratorStarts()
    {
        var gen = Gen.Concat(
            Gen.Sleep(TimeSpan.FromSeconds(2)),
            Gen.TimeLimit(TimeSpan.FromSeconds(1), Gen.Delay(TimeSpan.FromMilliseconds(100), Gen.Repeat(Do("r")))));

        var times = Run(gen).Invocations().Select(o => o.Time).ToList();
        Assert.Equal(10, times.Count);
        Assert.Equal(2 * Second, times[0]);
        Assert.Equal(2 * Second + 900 * Ms, times[^1]);
    }

    [Fact]
    public void TimeLimit_LetsOpsInFlightComplete()
    {
        var history = RunClients(Gen.TimeLimit(TimeSpan.FromMilliseconds(10), Gen.Repeat(Do("r"))), concurrency: 2, complete: Latency(_ => Second));

        Assert.Equal(2, history.Invocations().Count);
        AssertWellFormed(history);
        Assert.Equal(Second, history[^1].Time);
    }
}
