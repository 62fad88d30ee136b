using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class SequenceTests
{
    [Fact]
    public void Once_EmitsOneInvocation_WithTimeProcessFAndValueSet()
    {
        var history = RunClients(Gen.Once(new OpTemplate("write", Value.Of(3), Value.Of("k1"))));

        Assert.Equal(2, history.Count);
        var (invoke, done) = (history[0], history[1]);
        Assert.Equal(new Op(0, 0, OpType.Invoke, invoke.Process, "write", Value.Of(3), Value.Of("k1")), invoke);
        Assert.InRange(invoke.Process, 0, 4);
        Assert.Equal((1, Ms, OpType.Ok, invoke.Process, "write"), (done.Index, done.Time, done.Type, done.Process, done.F));
    }

    [Fact]
    public void Ops_EmitsEachOnce_InOrder() =>
        Assert.Equal("a b c", Run(Gen.Ops(Do("a"), Do("b"), Do("c")), concurrency: 1).Fs());

    [Fact]
    public void Ops_SpreadOverTheFreeThreads_RoundRobin()
    {
        // Each op completes before the next begins, yet successive ops go to successive threads.
        var history = RunClients(Gen.Delay(TimeSpan.FromMilliseconds(10), Gen.Limit(8, Gen.Repeat(Do("r")))), concurrency: 3);

        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1], history.Invocations().Select(o => o.Process));
    }

    [Fact]
    public void FlipFlop_Alternates() =>
        Assert.Equal("a b a b a b", Run(Gen.Limit(6, Gen.FlipFlop(Gen.Repeat(Do("a")), Gen.Repeat(Do("b"))))).Fs());

    [Fact]
    public void FlipFlop_Ends_WhenTheOneWhoseTurnItIsIsExhausted() =>
        Assert.Equal("a b a b", Run(Gen.FlipFlop(Gen.Ops(Do("a"), Do("a")), Gen.Repeat(Do("b")))).Fs());

    [Fact]
    public void Empty_EmitsNothing() => Assert.Empty(Run(Gen.Empty));
}
