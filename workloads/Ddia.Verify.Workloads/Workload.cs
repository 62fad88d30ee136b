using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;

namespace Ddia.Verify.Workloads;

/// <summary>
/// What a test asks and how it judges the answers, independent of the system (Jepsen's workload map):
/// a generator of client ops and the checker of the history they make. The test adds the rest
/// (rate, time limit, nemesis, final phase) around <see cref="Generator"/>, and a client for its system.
/// </summary>
/// <param name="Name">Short name for results: "register", "register-independent", "lock".</param>
/// <param name="Generator">Endless or bounded client ops; not rate-limited (wrap it in <see cref="Gen.Stagger"/>).</param>
/// <param name="Checker">Judges the whole history the generator's ops produced.</param>
/// <param name="Model">The linearizability model that re-checks the history offline, if the workload has one.</param>
public sealed record Workload(string Name, IGenerator Generator, IChecker Checker, string? Model = null)
{
    /// <summary>Client ops after every fault is healed and the system had time to recover (Jepsen's final generator):
    /// reads that show what the faults left behind. The default value is none.</summary>
    public IGenerator? Final { get; init; }
}
