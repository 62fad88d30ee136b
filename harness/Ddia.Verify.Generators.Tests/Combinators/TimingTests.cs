using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class TimingTests
{
    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(10, 1UL)]
    [InlineData(10, 42UL)]
    public void Stagger_MeanGapIsDt_OverAllThreads(int concurrency, ulong seed)
    {
        const int n = 4000;
        var history = RunClients(Gen.Limit(n, Gen.Stagger(TimeSpan.FromMilliseconds(10), Gen.Repeat(Do("r")))), concurrency, seed);

        var times = history.Invocations().Select(o => o.Time).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        var mean = gaps.Average();
        // Uniform gaps in [0, 20 ms): the mean of 4000 has a standard deviation of about 0.09 ms. With one
        // thread and 1 ms ops, gaps under 1 ms stretch to 1 ms, which adds about 0.05 ms.
        Assert.InRange(mean, 9.6 * Ms, 10.4 * Ms);
        Assert.All(gaps, g => Assert.InRange(g, 0, 20 * Ms));
        Assert.True(gaps.Max() > 19 * Ms && gaps.Min() < 1 * Ms + 1, "gaps should spread over [0, 2 dt)");
    }

    [Fact]
    public void Stagger_FirstOpGoesAtOnce() =>
        Assert.Equal(0, Run(Gen.Limit(1, Gen.Stagger(TimeSpan.FromSeconds(5), Gen.Repeat(Do("r")))))[0].Time);

    [Fact]
    public void Delay_EmitsExactlyIntervalApart()
    {
        var times = Run(Gen.Limit(5, Gen.Delay(TimeSpan.FromMilliseconds(100), Gen.Repeat(Do("r"))))).Invocations().Select(o => o.Time);

        Assert.Equal([0, 100 * Ms, 200 * Ms, 300 * Ms, 400 * Ms], times);
    }

    [Fact]
    public void Delay_WhenTheThreadIsBusy_StartsAsSoonAsItCan_WithoutABurstAfterwards()
    {
        var history = RunClients(Gen.Limit(4, Gen.Delay(TimeSpan.FromMilliseconds(100), Gen.Repeat(Do("r")))),
            concurrency: 1, complete: Latency(_ => 250 * Ms));

        Assert.Equal([0, 250 * Ms, 500 * Ms, 750 * Ms], history.Invocations().Select(o => o.Time));
    }

    [Fact]
    public void Sleep_PausesASequence_FromWhenItIsReached()
    {
        var history = Run(Gen.Concat(Gen.Once(Do("a")), Gen.Sleep(TimeSpan.FromSeconds(1)), Gen.Once(Do("b"))));

        Assert.Equal([0, Second], history.Invocations().Select(o => o.Time));
    }

    [Fact]
    public void Sleep_OccupiesNoThread()
    {
        // One client thread: "a" runs on it during the other branch's sleep.
        var gen = Gen.Any(Gen.Concat(Gen.Sleep(TimeSpan.FromMilliseconds(5)), Gen.Once(Do("b"))), Gen.Once(Do("a")));

        var history = RunClients(gen, concurrency: 1);
        Assert.Equal(["a", "b"], history.Invocations().Select(o => o.F));
        Assert.Equal(5 * Ms, history.Invocations("b")[0].Time);
    }
}
