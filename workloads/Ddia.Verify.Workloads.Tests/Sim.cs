using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Tests;

/// <summary>Runs workload generators in virtual time against small in-memory systems.</summary>
internal static class Sim
{
    public static List<Op> Run(IGenerator gen, int concurrency, ulong seed = 1, Completer? complete = null) =>
        new Simulator(concurrency, seed) { Complete = complete ?? Completers.Fixed(TimeSpan.FromMilliseconds(1)) }.Run(Gen.Clients(gen));

    public static List<Op> Invocations(this IEnumerable<Op> history, string? f = null) =>
        [.. history.Where(o => o.IsInvoke && (f is null || o.F == f))];

    public static Ddia.Verify.History.History AsHistory(this IEnumerable<Op> ops) => new(ops);
}
