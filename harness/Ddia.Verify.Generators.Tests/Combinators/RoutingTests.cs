using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests.Combinators;

public sealed class RoutingTests
{
    private static readonly Completer Jittery = Completers.Random(TimeSpan.Zero, TimeSpan.FromMilliseconds(20), infoRate: 0.1);

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void ClientsAndNemesis_NeverGiveAClientOpToTheNemesis_NorTheReverse(ulong seed)
    {
        var gen = Gen.Limit(500, Gen.ClientsAndNemesis(Gen.Repeat(Do("client")), Gen.Repeat(Do("fault"))));

        var history = Run(gen, concurrency: 4, seed: seed, complete: Jittery);

        AssertWellFormed(history);
        Assert.NotEmpty(history.Invocations("fault"));
        Assert.All(history.Where(o => o.F == "fault"), o => Assert.Equal(Op.NemesisProcess, o.Process));
        Assert.All(history.Where(o => o.F == "client"), o => Assert.True(o.Process >= 0));
    }

    [Fact]
    public void Clients_UseEveryClientThread_AndNeverTheNemesis()
    {
        var history = Run(Gen.Clients(Gen.Limit(100, Gen.Repeat(Do("r")))), concurrency: 4);

        Assert.Equal([0, 1, 2, 3], history.Invocations().Select(o => o.Process).Distinct().Order());
    }

    [Fact]
    public void Nemesis_RunsOnItsOneThread_OneOpAtATime()
    {
        var history = Run(Gen.Nemesis(Gen.Limit(5, Gen.Repeat(Do("fault")))), complete: Latency(_ => Second));

        AssertWellFormed(history);
        Assert.All(history, o => Assert.Equal(Op.NemesisProcess, o.Process));
        Assert.Equal([0, 1, 2, 3, 4], history.Invocations().Select(o => o.Time / Second));
    }

    [Fact]
    public void OnThreads_UsesOnlyTheChosenThreads()
    {
        var history = Run(Gen.OnThreads(t => t is 1 or 3, Gen.Limit(50, Gen.Repeat(Do("r")))), concurrency: 5);

        Assert.Equal([1, 3], history.Invocations().Select(o => o.Process).Distinct().Order());
    }

    [Fact]
    public void Nemesis_PassesOnlyNemesisEventsToItsGenerator()
    {
        var seen = new List<Op>();
        var spy = new Spy(Gen.Limit(2, Gen.Repeat(Do("fault"))), seen);

        Run(Gen.ClientsAndNemesis(Gen.Limit(10, Gen.Repeat(Do("r"))), spy));

        Assert.Equal(2, seen.Count(o => o.IsInvoke));
        Assert.All(seen, o => Assert.Equal(Op.NemesisProcess, o.Process));
    }

    /// <summary>Records the events it is told of (test only: generators themselves keep no mutable state).</summary>
    private sealed record Spy(IGenerator Inner, List<Op> Seen) : IGenerator
    {
        public GenResult Next(GenContext ctx) => Inner.Next(ctx) switch
        {
            GenResult.Emit e => new GenResult.Emit(e.Invocation, this with { Inner = e.Next }),
            GenResult.Pending p => new GenResult.Pending(this with { Inner = p.Next }, p.WakeAt),
            var done => done,
        };

        public IGenerator Update(GenContext ctx, Op evt)
        {
            Seen.Add(evt);
            return this with { Inner = Inner.Update(ctx, evt) };
        }
    }
}
