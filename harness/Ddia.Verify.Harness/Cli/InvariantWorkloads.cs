using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;

namespace Ddia.Verify.Harness.Cli;

/// <summary>The invariant checkers by workload name, as <c>check --workload</c> spells them.</summary>
public static class InvariantWorkloads
{
    public static readonly string[] Names = ["bank", "set", "set-eventual", "counter", "on-call"];

    public static IChecker? Create(string name) => name switch
    {
        "bank" => new BankChecker(),
        "set" => new SetChecker(),
        // Eventually consistent systems (multi-leader, leaderless) promise no fresh reads: only lost and unexpected elements count.
        "set-eventual" => new SetChecker(linearizable: false),
        "counter" => new CounterChecker(),
        "on-call" => new OnCallChecker(),
        _ => null,
    };
}
