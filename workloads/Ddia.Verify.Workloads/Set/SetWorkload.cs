using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;

namespace Ddia.Verify.Workloads.Set;

/// <summary>
/// Jepsen's set-full test (DDIA ch. 5 and 9): clients add unique elements and read the whole set; every acknowledged
/// add must stay in the set and reads show nothing that was not added (<see cref="SetChecker"/>). Adds and reads are
/// mixed half and half; the elements are 0, 1, 2, … in the order the adds are given out. After the faults, a few
/// reads (<see cref="Workload.Final"/>) show what the faults left behind.
/// </summary>
public static class SetWorkload
{
    public const string Name = "set";

    public static Workload Create(SetOptions? options = null)
    {
        var o = options ?? new SetOptions();
        o.Validate();
        var adds = Gen.Ops((n, _) => SetOps.AddOp(n));
        var reads = Gen.Repeat(SetOps.ReadOp());
        return new Workload(Name, Gen.Mix(adds, reads), Checker(o)) { Final = Gen.Ops(Enumerable.Repeat(SetOps.ReadOp(), o.FinalReads)) };
    }

    /// <summary>The checker for these options: stale reads count only when the set must be linearizable.</summary>
    public static IChecker Checker(SetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SetChecker(options.Linearizable);
    }
}
