using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests;

/// <summary>A seed reproduces a run: the whole history in virtual time, and the op sequence whatever the timing.</summary>
public sealed class DeterminismTests
{
    /// <summary>Something of everything: random choices, random gaps, a nemesis schedule, independent keys, lost ops.</summary>
    public static IGenerator Workload(TimeSpan duration) => Gen.MainThenFinal(
        Gen.TimeLimit(duration, Gen.ClientsAndNemesis(
            Gen.Stagger(TimeSpan.FromMilliseconds(2), Independent.Concurrent(2, Enumerable.Range(0, 1000).Select(i => Value.Of(i)),
                _ => Gen.Limit(30, Gen.Mix(
                    Gen.Repeat(new OpTemplate("read")),
                    Gen.Ops((_, r) => new OpTemplate("write", Value.Of(r.Next(5)))),
                    Gen.Ops((_, r) => new OpTemplate("cas", Value.List(Value.Of(r.Next(5)), Value.Of(r.Next(5))))))))),
            Gen.Repeat(Gen.Concat(
                Gen.Sleep(TimeSpan.FromMilliseconds(300)), Gen.Once(new OpTemplate("start-partition")),
                Gen.Sleep(TimeSpan.FromMilliseconds(300)), Gen.Once(new OpTemplate("stop-partition")))))),
        heal: Gen.Once(new OpTemplate("stop-partition")),
        recovery: TimeSpan.FromMilliseconds(500),
        final: Gen.Once(new OpTemplate("read")));

    private static readonly Completer Jittery =
        Completers.Random(TimeSpan.FromMicroseconds(100), TimeSpan.FromMilliseconds(20), failRate: 0.1, infoRate: 0.05);

    [Fact]
    public void TheSameSeed_GivesTheSameHistory()
    {
        var gen = Workload(TimeSpan.FromSeconds(2));

        var first = Run(gen, concurrency: 6, seed: 1234, complete: Jittery);
        var second = Run(gen, concurrency: 6, seed: 1234, complete: Jittery);

        Assert.True(first.Count > 1000, $"only {first.Count} ops");
        AssertWellFormed(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void AnotherSeed_GivesAnotherHistory()
    {
        var gen = Workload(TimeSpan.FromSeconds(1));

        Assert.NotEqual(Run(gen, concurrency: 6, seed: 1, complete: Jittery), Run(gen, concurrency: 6, seed: 2, complete: Jittery));
    }

    [Fact]
    public void TheSameSeed_GivesTheSameOpSequence_WhateverTheTiming()
    {
        // What a printed seed promises for a real run: the ops (f, value), in order, do not depend on
        // when they complete or which thread takes them.
        var gen = Gen.Clients(Gen.Limit(300, Gen.Mix(
            Gen.Repeat(new OpTemplate("read")),
            Gen.Ops((_, r) => new OpTemplate("write", Value.Of(r.Next(100)))))));

        var fast = Run(gen, concurrency: 3, seed: 99, complete: Completers.Fixed(TimeSpan.FromMicroseconds(1)));
        var slow = Run(gen, concurrency: 7, seed: 99, complete: Jittery);

        Assert.Equal(Sequence(fast), Sequence(slow));
        Assert.NotEqual(fast.Select(o => (o.Time, o.Process)), slow.Select(o => (o.Time, o.Process)));

        static IEnumerable<(string, Value)> Sequence(List<Op> h) => h.Invocations().Select(o => (o.F, o.Value));
    }

    [Fact]
    public void AGenerator_IsAValue_AskingItTwiceGivesTheSameAnswer()
    {
        var gen = Workload(TimeSpan.FromSeconds(1));
        var ctx = GenContext.Start(4, 77);

        var first = Assert.IsType<GenResult.Emit>(gen.Next(ctx));
        var again = Assert.IsType<GenResult.Emit>(gen.Next(ctx));
        Assert.Equal(first.Invocation, again.Invocation);

        // And the generator that follows does not change the one it came from.
        var next = first.Next.Next(ctx.Dispatched(ctx.ThreadOf(first.Invocation.Process)));
        Assert.Equal(first.Invocation, Assert.IsType<GenResult.Emit>(gen.Next(ctx)).Invocation);
        Assert.IsNotType<GenResult.Exhausted>(next);
    }
}
