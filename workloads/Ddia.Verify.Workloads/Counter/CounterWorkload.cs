using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;

namespace Ddia.Verify.Workloads.Counter;

/// <summary>
/// Jepsen's counter test: clients add 1 and read the counter, half and half; every read must lie between the
/// least and the greatest value the counter could have had while it ran (<see cref="CounterChecker"/>, starting at 0).
/// A system without a counter type implements add as read-modify-write, so lost updates (DDIA ch. 7) and
/// concurrent writes resolved by last-write-wins (ch. 5) show up as reads below the bound. After the faults, a few
/// reads (<see cref="Workload.Final"/>) show what is left.
/// </summary>
public static class CounterWorkload
{
    public const string Name = "counter";

    public static Workload Create(CounterOptions? options = null)
    {
        var o = options ?? new CounterOptions();
        o.Validate();
        var gen = Gen.Mix(Gen.Repeat(CounterOps.AddOp()), Gen.Repeat(CounterOps.ReadOp()));
        return new Workload(Name, gen, new CounterChecker(initial: 0)) { Final = Gen.Ops(Enumerable.Repeat(CounterOps.ReadOp(), o.FinalReads)) };
    }
}
