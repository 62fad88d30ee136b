using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Transactions;

/// <summary>Knobs of the on-call workload. Validated when the workload is built.</summary>
public sealed record OnCallWorkloadOptions
{
    /// <summary>Shifts on the roster; clients work on one at a time and move to the next. The default value is 50.</summary>
    [Range(1, 10_000)] public int Shifts { get; init; } = 50;

    /// <summary>Doctors on call for each shift at the start. The default value is 3.</summary>
    [Range(2, 26)] public int DoctorsPerShift { get; init; } = 3;

    /// <summary>Ops on a shift before the clients move to the next one. The default value is 12.</summary>
    [Range(1, int.MaxValue)] public int OpsPerShift { get; init; } = 12;

    /// <summary>Fraction of ops that read the roster. The default value is 0.25.</summary>
    [Range(0.0, 1.0)] public double ReadFraction { get; init; } = 0.25;
}

/// <summary>
/// DDIA's doctors (ch. 7, write skew): a transaction reads who is on call for a shift and takes one
/// doctor off call only if at least two are; every shift must keep somebody on call. All clients
/// work on the same shift at a time, so go-off-calls race as in the book. Op shapes are
/// <see cref="OnCallChecker"/>'s: <c>go-off-call</c> with <c>{"shift": s, "doctor": d}</c> (fail when the
/// transaction saw fewer than two on call), <c>read</c> invoked with nil and completed with a map shift →
/// doctors on call, every shift of the roster. The system seeds <see cref="Roster"/> before the test.
/// </summary>
public static class OnCallWorkload
{
    public const string GoOffCall = "go-off-call";
    public const string Read = "read";

    public static Workload Create(OnCallWorkloadOptions? options = null)
    {
        var o = options ?? new OnCallWorkloadOptions();
        Validator.ValidateObject(o, new ValidationContext(o), validateAllProperties: true);
        var roster = Roster(o).ToDictionary(p => p.Key, p => (IReadOnlyCollection<Value>)p.Value);
        var checker = new OnCallChecker(new OnCallOptions { Roster = roster });
        var shifts = o.Shifts;
        var gen = Gen.Limit((long)shifts * o.OpsPerShift, Gen.Ops((i, random) => Next(o, i, random)));
        return new Workload("on-call", gen, checker);
    }

    /// <summary>Shift "s0".. → doctors "d0"..: everyone on call at the start.</summary>
    public static ImmutableDictionary<Value, ImmutableArray<Value>> Roster(OnCallWorkloadOptions o) =>
        Enumerable.Range(0, o.Shifts).ToImmutableDictionary(
            s => Value.Of($"s{s}"),
            _ => Enumerable.Range(0, o.DoctorsPerShift).Select(d => Value.Of($"d{d}")).ToImmutableArray());

    public static Value GoOffCallValue(Value shift, Value doctor) => Value.Map(
    [
        new(Value.Of("shift"), shift),
        new(Value.Of("doctor"), doctor),
    ]);

    private static OpTemplate Next(OnCallWorkloadOptions o, long index, GenRandom random)
    {
        if (random.NextDouble() < o.ReadFraction) return new OpTemplate(Read, Value.Nil);
        var shift = Value.Of($"s{index / o.OpsPerShift}");
        return new OpTemplate(GoOffCall, GoOffCallValue(shift, Value.Of($"d{random.Next(o.DoctorsPerShift)}")));
    }
}
