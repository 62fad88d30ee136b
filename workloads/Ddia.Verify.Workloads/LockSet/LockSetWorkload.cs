using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Workloads.LockSet;

/// <summary>Knobs of the lock-set workload. Validated when the workload is built.</summary>
public sealed record LockSetOptions
{
    /// <summary>Reads of the set after the faults are healed and the system had time to recover. The default value is 3.</summary>
    [Range(1, 100)] public int FinalReads { get; init; } = 3;

    internal void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}

/// <summary>
/// Jepsen's lock-set test: a set kept under one storage key, changed only under a distributed lock. Every op of the
/// main phase is an <c>add</c> of a unique element (0, 1, 2, …) that the client performs as acquire the lock, read
/// the set, write it back with the element, release (<see cref="SetOps"/> shapes); the set is read only at the end
/// (<see cref="Workload.Final"/>). The read-modify-write is safe only if the lock excludes: when two clients hold it at
/// once, the later write overwrites the earlier one's element, which the final reads then miss — a <c>lost</c>
/// element for the <see cref="SetChecker"/>.
/// </summary>
public static class LockSetWorkload
{
    public const string Name = "lock-set";

    public static Workload Create(LockSetOptions? options = null)
    {
        var o = options ?? new LockSetOptions();
        o.Validate();
        return new Workload(Name, Gen.Ops((n, _) => SetOps.AddOp(n)), new SetChecker(linearizable: true))
        {
            Final = Gen.Ops(Enumerable.Repeat(SetOps.ReadOp(), o.FinalReads)),
        };
    }
}
