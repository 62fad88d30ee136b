using CsCheck;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests;

/// <summary>
/// Properties over seeds, concurrencies and sizes. A failure prints CsCheck's seed (replay it with
/// the CsCheck_Seed environment variable) and the generated case, including our generator seed.
/// </summary>
public sealed class PropertyTests
{
    private static readonly Gen<(ulong Seed, int Concurrency, int N)> Cases =
        CsCheck.Gen.Select(CsCheck.Gen.ULong, CsCheck.Gen.Int[1, 10], CsCheck.Gen.Int[0, 200]);

    private static Completer Lossy(int n) =>
        Completers.Random(TimeSpan.Zero, TimeSpan.FromMilliseconds(n % 7 + 1), failRate: 0.2, infoRate: 0.1);

    private static string Print((ulong Seed, int Concurrency, int N) c) => $"seed {c.Seed}, concurrency {c.Concurrency}, n {c.N}";

    [Fact]
    public void LimitOverMix_EmitsExactlyN_AndEveryInvocationCompletesExactlyOnce() =>
        Cases.Sample((seed, concurrency, n) =>
        {
            var gen = Gen.Limit(n, Gen.Mix(
                Gen.Repeat(new OpTemplate("read")),
                Gen.Ops((i, _) => new OpTemplate("write", Value.Of(i))),
                Gen.Stagger(TimeSpan.FromMilliseconds(1), Gen.Repeat(new OpTemplate("cas")))));

            var history = RunClients(gen, concurrency, seed, Lossy(n));

            Assert.Equal(n, history.Invocations().Count);
            Assert.Equal(n, CompletionsByInvocation(history).Count);
            AssertWellFormed(history);
        }, iter: 300, print: Print);

    [Fact]
    public void TheSameSeed_AlwaysGivesTheSameHistory() =>
        Cases.Sample((seed, concurrency, n) =>
        {
            var gen = Gen.ClientsAndNemesis(
                Gen.Limit(n, Gen.Stagger(TimeSpan.FromMilliseconds(1), Gen.Mix(
                    Gen.Repeat(new OpTemplate("read")),
                    Gen.Ops((_, r) => new OpTemplate("write", Value.Of(r.Next(10))))))),
                Gen.Limit(3, Gen.Stagger(TimeSpan.FromMilliseconds(20), Gen.Repeat(new OpTemplate("fault")))));

            Assert.Equal(Run(gen, concurrency, seed, Lossy(n)), Run(gen, concurrency, seed, Lossy(n)));
        }, iter: 200, print: Print);

    [Fact]
    public void Phases_NeverOverlap() =>
        Cases.Sample((seed, concurrency, n) =>
        {
            var gen = Gen.Phases(
                Gen.Limit(n, Gen.Repeat(new OpTemplate("a"))),
                Gen.Limit(n / 2 + 1, Gen.Repeat(new OpTemplate("b"))),
                Gen.Once(new OpTemplate("c")));

            var history = Run(gen, concurrency, seed, Lossy(n));

            var phaseOf = new Dictionary<string, int> { ["a"] = 0, ["b"] = 1, ["c"] = 2 };
            var current = 0;
            var inFlight = 0;
            foreach (var op in history)
            {
                if (op.IsInvoke)
                {
                    if (phaseOf[op.F] != current)
                        Assert.True(inFlight == 0 && phaseOf[op.F] > current, $"{op} began while phase {current} had ops in flight");
                    current = phaseOf[op.F];
                }
                inFlight += op.IsInvoke ? 1 : -1;
            }
            Assert.Equal(2, current);
        }, iter: 300, print: Print);

    [Fact]
    public void Independent_KeepsEveryKeyOnOneGroup() =>
        Cases.Sample((seed, concurrency, n) =>
        {
            const int perKey = 2;
            var threads = 2 * concurrency;
            var gen = Independent.Concurrent(perKey, Enumerable.Range(0, 1 + n / 10).Select(i => Value.Of(i)),
                _ => Gen.Limit(n % 13 + 1, Gen.Mix(Gen.Repeat(new OpTemplate("read")), Gen.Repeat(new OpTemplate("write")))));

            var history = Run(gen, threads, seed, Lossy(n));

            AssertWellFormed(history);
            Assert.Equal(1 + n / 10, history.Select(o => o.Key).Distinct().Count());
            foreach (var key in history.GroupBy(o => o.Key!))
                Assert.Single(key.Select(o => o.Process % threads / perKey).Distinct());
        }, iter: 200, print: Print);
}
