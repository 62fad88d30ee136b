using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Register;

/// <summary>
/// A linearizable register (DDIA §9): random reads, writes and cas on one key, or on many independent
/// keys at once, judged by the linearizability checker with the cas-register model, each key alone.
/// </summary>
public static class RegisterWorkload
{
    /// <summary>The model name the checker uses (also what test.json records for an offline re-check).</summary>
    public const string Model = "cas-register";

    /// <summary>Every op on one register (ops carry no key). The generator is endless.</summary>
    public static Workload SingleKey(RegisterOptions? options = null)
    {
        var o = options ?? new RegisterOptions();
        o.Validate();
        return new Workload("register", Gen.Ops((_, random) => NextOp(o, random)), Checker(), Model);
    }

    /// <summary>
    /// Many registers: groups of <see cref="RegisterOptions.ThreadsPerKey"/> threads each work on one key
    /// for <see cref="RegisterOptions.OpsPerKey"/> ops, then take a fresh key, so keys run concurrently and
    /// each key's history stays small enough to check. Keys are the integers 0, 1, 2, …
    /// </summary>
    public static Workload IndependentKeys(RegisterOptions? options = null)
    {
        var o = options ?? new RegisterOptions();
        o.Validate();
        var keys = (o.KeyCount is { } n ? Enumerable.Range(0, n) : Enumerable.Range(0, int.MaxValue)).Select(k => Value.Of(k));
        var gen = Independent.Concurrent(o.ThreadsPerKey, keys,
            _ => Gen.Limit(o.OpsPerKey, Gen.Ops((_, random) => NextOp(o, random))));
        return new Workload("register-independent", gen, Checker(), Model);
    }

    /// <summary>The checker of both shapes: linearizable per key (the model partitions by <see cref="Op.Key"/>), starting absent.</summary>
    public static IChecker Checker() => new LinearizabilityChecker(ModelCatalog.Create(Model, initialValue: Value.Nil));

    // Independent.Concurrent puts the key on each op; templates never carry it.
    private static OpTemplate NextOp(RegisterOptions o, GenRandom random)
    {
        var roll = random.Next(o.ReadWeight + o.WriteWeight + o.CasWeight);
        if (roll < o.ReadWeight) return RegisterOps.ReadOp();
        if (roll < o.ReadWeight + o.WriteWeight) return RegisterOps.WriteOp(random.Next(o.Values));
        return RegisterOps.CasOp(random.Next(o.Values), random.Next(o.Values));
    }
}
