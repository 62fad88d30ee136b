using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class LimitTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Limit_OfEndlessOps_EmitsExactlyN(int n)
    {
        var history = Run(Gen.Limit(n, Gen.Repeat(Do("read"))));

        Assert.Equal(n, history.Invocations().Count);
        Assert.Equal(2 * n, history.Count);
    }

    [Fact]
    public void Limit_OfShorterGenerator_EmitsWhatItHas() =>
        Assert.Equal("a b c", Run(Gen.Limit(10, Gen.Ops(Do("a"), Do("b"), Do("c")))).Fs());

    [Fact]
    public void Limit_CountsOpsNotAttempts_WhenThreadsAreBusy()
    {
        // One thread, slow ops: the limit is asked many times while pending and still emits exactly 3.
        var history = RunClients(Gen.Limit(3, Gen.Repeat(Do("w"))), concurrency: 1, complete: Latency(_ => 100 * Ms));

        Assert.Equal([0, 100 * Ms, 200 * Ms], history.Invocations().Select(o => o.Time));
    }
}
