using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class AnyTests
{
    [Fact]
    public void Any_WhenSeveralHaveAnOp_TakesTurns()
    {
        var history = Run(Gen.Limit(6, Gen.Any(Gen.Repeat(Do("a")), Gen.Repeat(Do("b")), Gen.Repeat(Do("c")))), concurrency: 10);

        Assert.Equal("a b c a b c", history.Fs());
    }

    [Fact]
    public void Any_TakesEachOpFromTheSoonest()
    {
        var gen = Gen.TimeLimit(TimeSpan.FromSeconds(1), Gen.Any(
            Gen.Delay(TimeSpan.FromMilliseconds(300), Gen.Repeat(Do("a"))),
            Gen.Delay(TimeSpan.FromMilliseconds(500), Gen.Repeat(Do("b")))));

        var history = Run(gen);

        Assert.Equal([0, 300 * Ms, 600 * Ms, 900 * Ms], history.Invocations("a").Select(o => o.Time));
        Assert.Equal([0, 500 * Ms], history.Invocations("b").Select(o => o.Time));
    }

    [Fact]
    public void Any_IsExhaustedWhenAllAre() =>
        Assert.Equal(["a", "b", "c"], Run(Gen.Any(Gen.Once(Do("a")), Gen.Ops(Do("b"), Do("c")))).Invocations().Select(o => o.F).Order());
}
