using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class MixTests
{
    [Fact]
    public void Mix_ChoosesUniformly()
    {
        var history = Run(Gen.Limit(3000, Gen.Mix(Gen.Repeat(Do("a")), Gen.Repeat(Do("b")), Gen.Repeat(Do("c")))));

        var counts = history.Invocations().CountBy(o => o.F).ToDictionary();
        Assert.Equal(["a", "b", "c"], counts.Keys.Order());
        Assert.All(counts.Values, n => Assert.InRange(n, 900, 1100));   // 3 standard deviations ≈ 77
    }

    [Fact]
    public void Mix_DropsAnExhaustedGenerator_AndGoesOnWithTheRest()
    {
        var history = Run(Gen.Limit(100, Gen.Mix(Gen.Ops(Do("a"), Do("a")), Gen.Repeat(Do("b")))));

        Assert.Equal(2, history.Invocations("a").Count);
        Assert.Equal(98, history.Invocations("b").Count);
    }

    [Fact]
    public void Mix_OfFiniteGenerators_EmitsAllTheirOps_EachInItsOwnOrder()
    {
        var history = Run(Gen.Mix(Gen.Ops(Do("a", 1), Do("a", 2), Do("a", 3)), Gen.Ops(Do("b", 1), Do("b", 2))));

        Assert.Equal([1, 2, 3], history.Invocations("a").Select(o => o.Value.AsLong));
        Assert.Equal([1, 2], history.Invocations("b").Select(o => o.Value.AsLong));
    }

    [Fact]
    public void Mix_WithAnotherSeed_ChoosesOtherwise()
    {
        var gen = Gen.Limit(50, Gen.Mix(Gen.Repeat(Do("a")), Gen.Repeat(Do("b"))));

        Assert.NotEqual(Run(gen, seed: 1).Fs(), Run(gen, seed: 2).Fs());
    }

    [Fact]
    public void Mix_OfOne_IsThatGenerator_AndOfNone_IsEmpty()
    {
        Assert.Equal("a", Run(Gen.Mix(Gen.Once(Do("a")))).Fs());
        Assert.Empty(Run(Gen.Mix()));
    }

    [Fact]
    public void Ops_FromAFunction_GetOrdinalsAndSeededRandomValues()
    {
        var counted = Run(Gen.Limit(4, Gen.Ops((i, _) => new OpTemplate("w", Value.Of(i)))));
        Assert.Equal([0, 1, 2, 3], counted.Invocations().Select(o => o.Value.AsLong));

        var random = Gen.Limit(20, Gen.Ops((_, r) => new OpTemplate("w", Value.Of(r.Next(1000)))));
        var values = Run(random).Invocations().Select(o => o.Value.AsLong).ToList();
        Assert.True(values.Distinct().Count() > 10);
        Assert.Equal(values, Run(random).Invocations().Select(o => o.Value.AsLong));
    }
}
