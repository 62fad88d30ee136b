using Ddia.Verify.History;

namespace Ddia.Verify.Generators.Tests;

public sealed class GenContextTests
{
    [Fact]
    public void Start_HasEveryClientThreadAndTheNemesis_AllFree_EachItsOwnProcess()
    {
        var ctx = GenContext.Start(3, seed: 9);

        Assert.Equal([GenContext.NemesisThread, 0, 1, 2], ctx.AllThreads);
        Assert.Equal(ctx.AllThreads, ctx.FreeThreads);
        Assert.True(ctx.AllFree);
        Assert.Equal([Op.NemesisProcess, 0, 1, 2], ctx.AllThreads.Select(ctx.ProcessOf));
        Assert.Equal((0L, 9UL), (ctx.Time, ctx.Seed));
    }

    [Fact]
    public void Completed_Info_MovesTheThreadToANewProcess_ButNotTheNemesis()
    {
        var ctx = GenContext.Start(3, 0).Dispatched(1).Completed(1, OpType.Info).Dispatched(1).Completed(1, OpType.Info);
        var nemesis = GenContext.Start(3, 0).Dispatched(GenContext.NemesisThread).Completed(GenContext.NemesisThread, OpType.Info);

        Assert.Equal(7, ctx.ProcessOf(1));
        Assert.Equal(1, ctx.ThreadOf(7));
        Assert.Equal(Op.NemesisProcess, nemesis.ProcessOf(GenContext.NemesisThread));
    }

    [Fact]
    public void Completed_OkOrFail_KeepsTheProcess() =>
        Assert.Equal(1, GenContext.Start(3, 0).Dispatched(1).Completed(1, OpType.Fail).ProcessOf(1));

    [Fact]
    public void NextFreeThread_GoesRoundRobin_AfterTheLastDispatched()
    {
        var ctx = GenContext.Start(3, 0).Restrict(ThreadSet.Of([0, 1, 2]));
        Assert.Equal(0, ctx.NextFreeThread());
        ctx = ctx.Dispatched(0).Completed(0, OpType.Ok);
        Assert.Equal(1, ctx.NextFreeThread());
        ctx = ctx.Dispatched(1).Dispatched(2);
        Assert.Equal(0, ctx.NextFreeThread());   // wraps around
        Assert.Null(ctx.Dispatched(0).NextFreeThread());
    }

    [Fact]
    public void Restrict_NarrowsBothThreadSets_AndKeepsTheRest()
    {
        var ctx = GenContext.Start(4, 5).At(77).Dispatched(2).Restrict(ThreadSet.Of([1, 2]));

        Assert.Equal([1, 2], ctx.AllThreads);
        Assert.Equal([1], ctx.FreeThreads);
        Assert.False(ctx.AllFree);
        Assert.Equal((77L, 5UL, 4), (ctx.Time, ctx.Seed, ctx.Concurrency));
    }

    [Fact]
    public void Child_DerivesAStableSeedPerIndex()
    {
        var ctx = GenContext.Start(1, 5);

        Assert.Equal(ctx.Child(3).Seed, GenContext.Start(1, 5).Child(3).Seed);
        var seeds = new[] { ctx.Seed, ctx.Child(0).Seed, ctx.Child(1).Seed, ctx.Child(0).Child(0).Seed, ctx.Child(1).Child(0).Seed };
        Assert.Equal(seeds.Length, seeds.Distinct().Count());
    }

    [Fact]
    public void Invoke_FillsTimeProcessFValueAndKey_OrGivesNullWhenNoThreadIsFree()
    {
        var ctx = GenContext.Start(1, 0).At(42).Restrict(ThreadSet.Of([0]));

        Assert.Equal(new Op(-1, 42, OpType.Invoke, 0, "r", Value.Nil), ctx.Invoke(new OpTemplate("r")));
        Assert.Null(ctx.Dispatched(0).Invoke(new OpTemplate("r")));
    }
}

public sealed class ThreadSetTests
{
    [Fact]
    public void Set_OverManyWords_ContainsCountsAndEnumeratesInOrder()
    {
        var threads = new[] { GenContext.NemesisThread, 0, 62, 63, 64, 127, 200 };
        var set = ThreadSet.Of(threads.Reverse());

        Assert.Equal(threads, set);
        Assert.Equal(7, set.Count);
        Assert.True(set.Contains(127));
        Assert.False(set.Contains(126));
        Assert.False(set.Contains(5000));
        Assert.Equal([GenContext.NemesisThread, 0, 62, 64, 127, 200], set.Without(63));
        Assert.Equal([0, 200], set.Intersect(ThreadSet.Of([0, 1, 200])));
        Assert.Equal("{nemesis, 0, 62, 63, 64, 127, 200}", set.ToString());
    }

    [Theory]
    [InlineData(-2, GenContext.NemesisThread)]
    [InlineData(GenContext.NemesisThread, 0)]
    [InlineData(0, 62)]
    [InlineData(63, 64)]
    [InlineData(127, 200)]
    [InlineData(200, GenContext.NemesisThread)]
    public void NextAfter_FindsTheFollowingThread_WrappingAround(int after, int expected) =>
        Assert.Equal(expected, ThreadSet.Of([GenContext.NemesisThread, 0, 62, 64, 127, 200]).NextAfter(after));

    [Fact]
    public void EqualSets_AreEqual_WhateverTheirHistory() =>
        Assert.Equal(ThreadSet.Of([1, 2]), ThreadSet.Of([1, 2, 100]).Without(100));

    [Fact]
    public void Empty_HasNothing()
    {
        Assert.True(ThreadSet.Empty.IsEmpty);
        Assert.Null(ThreadSet.Empty.NextAfter(0));
        Assert.Empty(ThreadSet.Empty);
    }
}

public sealed class GenRandomTests
{
    [Fact]
    public void Random_IsSplitMix64_SoPrintedSeedsReplayOnAnyRuntime()
    {
        // Reference outputs of SplitMix64 seeded with 0.
        var random = new GenRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
    }

    [Fact]
    public void NextInt64_StaysInRange_AndCoversIt()
    {
        var random = new GenRandom(3);
        var draws = Enumerable.Range(0, 10_000).Select(_ => random.NextInt64(7)).ToList();

        Assert.All(draws, d => Assert.InRange(d, 0, 6));
        Assert.Equal(7, draws.Distinct().Count());
        Assert.InRange(Enumerable.Range(0, 10_000).Average(_ => random.NextDouble()), 0.48, 0.52);
    }

    [Fact]
    public void TheSameState_GivesTheSameNumbers()
    {
        var a = new GenRandom(11);
        a.NextUInt64();
        var b = new GenRandom(a.State);

        Assert.Equal(a.NextInt64(1000), b.NextInt64(1000));
    }
}
