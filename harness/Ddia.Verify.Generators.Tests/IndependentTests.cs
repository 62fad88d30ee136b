using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests;

public sealed class IndependentTests
{
    private static IEnumerable<Value> Keys(int n) => Enumerable.Range(0, n).Select(i => Value.Of(i));

    private static IGenerator PerKey(int opsPerKey) => Independent.Concurrent(2, Keys(10), _ => Gen.Limit(opsPerKey, Gen.Repeat(Do("w"))));

    [Theory]
    [InlineData(1UL)]
    [InlineData(7UL)]
    public void Concurrent_GivesEachKeyToOneGroupOfThreadsPerKeyThreads(ulong seed)
    {
        const int concurrency = 6;
        var history = Run(PerKey(20), concurrency, seed, Completers.Random(TimeSpan.Zero, TimeSpan.FromMilliseconds(30), infoRate: 0.05));

        AssertWellFormed(history);
        Assert.All(history, o => Assert.NotNull(o.Key));
        var byKey = history.Invocations().GroupBy(o => o.Key!).ToList();
        Assert.Equal(Keys(10), byKey.Select(g => g.Key).OrderBy(k => k.AsLong));
        foreach (var ops in byKey)
        {
            Assert.Equal(20, ops.Count());
            var threads = ops.Select(o => o.Process % concurrency).Distinct().Order().ToList();
            Assert.Equal(2, threads.Count);                                  // exactly threadsPerKey threads…
            Assert.Equal(threads[0] / 2, threads[1] / 2);                   // …of one group
        }
        Assert.All(history, o => Assert.NotEqual(Op.NemesisProcess, o.Process));
        AssertAtMostInFlightPerKey(history, 2);
    }

    [Fact]
    public void Concurrent_GroupsTakeTheNextKey_WhenTheirKeysGeneratorEnds()
    {
        // Three groups of two threads, one op per key: keys 0, 1, 2 go to groups 0, 1, 2, and each
        // group's second thread takes the group's next key at once (3, 4, 5); 6..9 wait for free threads.
        var history = Run(PerKey(1), concurrency: 6, complete: Latency(_ => 10 * Ms));

        var started = history.Invocations().Select(o => (Key: o.Key!.AsLong, o.Time, Group: o.Process / 2)).ToList();
        Assert.Equal([(0, 0, 0), (1, 0, 1), (2, 0, 2), (3, 0, 0), (4, 0, 1), (5, 0, 2)], started.Take(6));
        Assert.Equal([6, 7, 8, 9], started.Skip(6).Select(s => s.Key));
        Assert.All(started.Skip(6), s => Assert.Equal(10 * Ms, s.Time));
    }

    [Fact]
    public void Concurrent_KeyGeneratorsSeeOnlyTheirGroup_SoTheirPhasesAreIndependent()
    {
        // Key 0's second phase waits for key 0's slow op, not for key 1's.
        var gen = Independent.Concurrent(1, Keys(2), k => Gen.Phases(Gen.Once(Do("a")), Gen.Once(Do("b"))));

        var history = Run(gen, concurrency: 2, complete: Latency(op => op.Key!.AsLong == 0 ? Second : Ms));

        Assert.Equal(Ms, history.Single(o => o.IsInvoke && o.F == "b" && o.Key!.AsLong == 1).Time);
        Assert.Equal(Second, history.Single(o => o.IsInvoke && o.F == "b" && o.Key!.AsLong == 0).Time);
    }

    [Fact]
    public void Concurrent_ReadsEndlessKeysLazily()
    {
        var endless = Enumerable.Range(0, int.MaxValue).Select(i => Value.Of(i));
        var gen = Gen.Limit(100, Independent.Concurrent(1, endless, _ => Gen.Limit(3, Gen.Repeat(Do("w")))));

        var keys = Run(gen, concurrency: 4).Invocations().Select(o => o.Key!.AsLong).Distinct().Count();

        Assert.InRange(keys, 34, 37);
    }

    [Fact]
    public void Concurrent_WhenThreadsDoNotSplitIntoGroups_SaysSo()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Run(PerKey(1), concurrency: 5));
        Assert.Contains("multiple of 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_AlongsideANemesis_LeavesTheNemesisItsOwnOps()
    {
        var history = Run(Gen.ClientsAndNemesis(PerKey(5), Gen.Limit(3, Gen.Repeat(Do("fault")))), concurrency: 4);

        Assert.All(history.Where(o => o.F == "fault"), o => Assert.Equal((Op.NemesisProcess, (Value?)null), (o.Process, o.Key)));
        Assert.Equal(50, history.Invocations("w").Count);
    }

    private static void AssertAtMostInFlightPerKey(List<Op> history, int limit)
    {
        var inFlight = new Dictionary<Value, int>();
        foreach (var op in history)
        {
            var n = inFlight.GetValueOrDefault(op.Key!) + (op.IsInvoke ? 1 : -1);
            Assert.True(n <= limit, $"{n} ops in flight on key {op.Key} at {op}");
            inFlight[op.Key!] = n;
        }
    }
}
