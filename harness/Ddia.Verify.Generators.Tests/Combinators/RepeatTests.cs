using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class RepeatTests
{
    [Fact]
    public void Repeat_Times_RunsTheGeneratorThatManyTimes() =>
        Assert.Equal("a b a b a b", Run(Gen.Repeat(Gen.Ops(Do("a"), Do("b")), times: 3)).Fs());

    [Fact]
    public void Repeat_Forever_GoesOnUntilLimited() =>
        Assert.Equal(1001, Run(Gen.Limit(1001, Gen.Repeat(Gen.Ops(Do("a"), Do("b"))))).Invocations().Count);

    [Fact]
    public void Repeat_OfAGeneratorWithNothingInIt_EndsInsteadOfSpinning()
    {
        Assert.Empty(Run(Gen.Repeat(Gen.Empty)));
        Assert.Empty(Run(Gen.Repeat(Gen.Limit(0, Gen.Repeat(Do("a"))))));
        Assert.Empty(Run(Gen.Repeat(Gen.Once(Do("a")), times: 0)));
    }

    [Fact]
    public void Repeat_OfANemesisSchedule_KeepsItsRhythm()
    {
        var faults = Gen.Repeat(Gen.Concat(
            Gen.Sleep(TimeSpan.FromSeconds(5)), Gen.Once(Do("start")),
            Gen.Sleep(TimeSpan.FromSeconds(5)), Gen.Once(Do("stop"))));

        var history = Run(Gen.TimeLimit(TimeSpan.FromSeconds(30), Gen.Nemesis(faults)));

        Assert.Equal([5 * Second, 15 * Second, 25 * Second], history.Invocations("start").Select(o => o.Time));
        Assert.Equal([10 * Second, 20 * Second], history.Invocations("stop").Select(o => o.Time));
        Assert.All(history, o => Assert.Equal(Op.NemesisProcess, o.Process));
    }

    [Fact]
    public void Repeat_OfARandomGenerator_DrawsAfreshEachRun()
    {
        var once = Gen.Limit(1, Gen.Ops((_, r) => new OpTemplate("w", Value.Of(r.Next(1_000_000)))));

        var values = Run(Gen.Repeat(once, times: 20)).Invocations().Select(o => o.Value.AsLong);

        Assert.Equal(20, values.Distinct().Count());
    }

    [Fact]
    public void Repeat_OfATemplate_EmitsItForever() =>
        Assert.All(Run(Gen.Limit(50, Gen.Repeat(Do("r", 7)))).Invocations(), o => Assert.Equal(("r", 7L), (o.F, o.Value.AsLong)));
}
