using CsCheck;
using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.Checkers.Transactions;

namespace Ddia.Verify.Checkers.Tests.Transactions;

/// <summary>
/// The checkers against simulated databases whose isolation we know (TxnSimulator): a serializable
/// one must pass strict serializability with no anomaly at all; a snapshot-isolation one must pass
/// strong SI and, whenever a write skew really happened, be caught as not serializable with G2-item
/// explained; a read-committed one must pass read committed and show every lost update it made.
/// Failures print CsCheck's seed and the history in the Txns DSL.
/// </summary>
public sealed class TxnPropertyTests
{
    private static readonly Gen<TxnSimulation> Sizes =
        Gen.Select(Gen.Int[20, 300], Gen.Int[2, 10], Gen.Int[1, 6], Gen.Double[0, 0.15], Gen.Double[0, 0.1], Gen.Int,
            (txns, processes, keys, info, fail, seed) => new TxnSimulation
            {
                Transactions = txns, Processes = processes, ActiveKeys = keys, InfoRate = info, FailRate = fail, Seed = seed, MaxWritesPerKey = 16,
            });

    private static TxnCheckResult Check(SimulatedHistory sim, TxnWorkload workload, TxnCheckOptions options) =>
        new TransactionalChecker(workload, options).Analyze(sim.History);

    private static string Print(SimulatedHistory sim) => Txns.Format(sim.History);

    [Fact]
    public void Serializable_ListAppend_IsStrictSerializableWithNoAnomaly() =>
        Sizes.Select(s => TxnSimulator.Run(s with { Isolation = TxnIsolation.Serializable })).Sample(sim =>
        {
            var r = Check(sim, TxnWorkload.ListAppend, new TxnCheckOptions());
            Assert.True(r.Validity == Validity.Valid, $"{r.Validity.Name()}: {string.Join(", ", r.AnomalyTypes)} {r.UnknownReason}");
            Assert.Empty(r.AnomalyTypes);
        }, iter: 150, print: Print);

    [Fact]
    public void Serializable_RwRegister_WithEveryVersionOrderAssumption_IsStrictSerializable() =>
        Sizes.Select(s => TxnSimulator.Run(s with { Isolation = TxnIsolation.Serializable, Workload = TxnWorkload.RwRegister })).Sample(sim =>
        {
            var r = Check(sim, TxnWorkload.RwRegister, new TxnCheckOptions { WfrKeys = true, SequentialKeys = true, LinearizableKeys = true });
            Assert.True(r.Validity == Validity.Valid, $"{r.Validity.Name()}: {string.Join(", ", r.AnomalyTypes)} {r.UnknownReason}");
        }, iter: 150, print: Print);

    [Fact]
    public void SnapshotIsolation_ListAppend_IsStrongSnapshotIsolation_AndEveryWriteSkewIsCaughtAsG2() =>
        Sizes.Select(s => TxnSimulator.Run(s with { Isolation = TxnIsolation.SnapshotIsolation })).Sample(sim =>
        {
            var r = Check(sim, TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["strong-snapshot-isolation"] });
            Assert.True(r.Validity == Validity.Valid, $"{r.Validity.Name()}: {string.Join(", ", r.AnomalyTypes)} {r.UnknownReason}");
            Assert.DoesNotContain(r.AnomalyTypes, a => a is "G0" or "G1a" or "G1b" or "G1c" or "lost-update" or "internal" || a.StartsWith("G-single", StringComparison.Ordinal));
            if (sim.DangerousPairs.Count > 0)
            {
                Assert.Contains("serializable", ConsistencyModels.Impossible(r.AnomalyTypes));
                Assert.Contains(r.Cycles, c => c.Kind == "G2-item" && c.Steps.Count(s => s.Rel == Rel.RW) >= 2);
            }
        }, iter: 150, print: Print);

    [Fact]
    public void SnapshotIsolation_RwRegister_IsStrongSnapshotIsolation() =>
        Sizes.Select(s => TxnSimulator.Run(s with { Isolation = TxnIsolation.SnapshotIsolation, Workload = TxnWorkload.RwRegister })).Sample(sim =>
        {
            var r = Check(sim, TxnWorkload.RwRegister, new TxnCheckOptions { ConsistencyModels = ["strong-snapshot-isolation"], WfrKeys = true, LinearizableKeys = true });
            Assert.True(r.Validity == Validity.Valid, $"{r.Validity.Name()}: {string.Join(", ", r.AnomalyTypes)} {r.UnknownReason}");
        }, iter: 100, print: Print);

    [Fact]
    public void ReadCommitted_ListAppend_IsReadCommitted_AndEveryLostUpdateIsFound() =>
        Sizes.Select(s => TxnSimulator.Run(s with { Isolation = TxnIsolation.ReadCommitted })).Sample(sim =>
        {
            var r = Check(sim, TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["read-committed"] });
            Assert.True(r.Validity == Validity.Valid, $"{r.Validity.Name()}: {string.Join(", ", r.AnomalyTypes)} {r.UnknownReason}");
            if (sim.LostUpdates.Count > 0) Assert.Contains("lost-update", r.AnomalyTypes);
        }, iter: 150, print: Print);

    [Fact]
    public void SnapshotIsolation_2000Transactions_OnThreeHotKeys_WriteSkewFoundAndExplained()
    {
        var sim = TxnSimulator.Run(new TxnSimulation { Isolation = TxnIsolation.SnapshotIsolation, Transactions = 2_000, ActiveKeys = 3, Seed = 7 });
        Assert.NotEmpty(sim.DangerousPairs);
        var r = Check(sim, TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["snapshot-isolation"] });
        Assert.Equal(Validity.Valid, r.Validity);
        var skew = r.Cycles.First(c => c.Kind == "G2-item");
        Assert.Contains("a contradiction!", skew.Explanation, StringComparison.Ordinal);
        Assert.Contains("serializable", r.Not.Concat(r.AlsoNot));
    }
}

/// <summary>
/// The serializable verdict against brute force: for small list-append histories from every simulated
/// database (ok and fail outcomes only), the checker says serializable exactly when some order of the
/// committed transactions, run one at a time, gives every read what it returned.
/// </summary>
public sealed class SerializableOracleTests
{
    [Fact]
    public void ListAppend_SerializableVerdict_AgreesWithTryingEveryOrder() =>
        Gen.Select(Gen.Int[2, 7], Gen.Enum<TxnIsolation>(), Gen.Int[1, 3], Gen.Int[2, 4], Gen.Int,
                (n, isolation, keys, processes, seed) => TxnSimulator.Run(new TxnSimulation
                {
                    Transactions = n, Isolation = isolation, ActiveKeys = keys, Processes = processes, MaxMops = 3, Seed = seed,
                }))
            .Sample(sim =>
            {
                var r = new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["serializable"] }).Analyze(sim.History);
                if (r.Validity == Validity.Unknown) return;   // nothing to compare: no dependency at all
                var serial = SomeSerialOrderExplains(sim.History);
                Assert.True(serial == (r.Validity == Validity.Valid),
                    $"checker {r.Validity.Name()} ({string.Join(", ", r.AnomalyTypes)}), brute force {(serial ? "found" : "found no")} serial order");
            }, iter: 400, print: sim => Txns.Format(sim.History));

    /// <summary>
    /// rw-register cannot see every version order, so only one direction holds: whatever it rules out,
    /// with every assumption the simulated databases satisfy, no serial order explains.
    /// </summary>
    [Fact]
    public void RwRegister_WhatItRulesOut_NoSerialOrderExplains() =>
        Gen.Select(Gen.Int[2, 7], Gen.Enum<TxnIsolation>(), Gen.Int[1, 3], Gen.Int[2, 4], Gen.Int,
                (n, isolation, keys, processes, seed) => TxnSimulator.Run(new TxnSimulation
                {
                    Transactions = n, Isolation = isolation, Workload = TxnWorkload.RwRegister, ActiveKeys = keys, Processes = processes, MaxMops = 3, Seed = seed,
                }))
            .Sample(sim =>
            {
                var r = new TransactionalChecker(TxnWorkload.RwRegister, new TxnCheckOptions { ConsistencyModels = ["serializable"], WfrKeys = true })
                    .Analyze(sim.History);
                if (r.Validity == Validity.Invalid)
                    Assert.False(SomeSerialOrderExplains(sim.History), $"checker ruled out serializable ({string.Join(", ", r.AnomalyTypes)}) but a serial order explains every read");
            }, iter: 400, print: sim => Txns.Format(sim.History));

    private static bool SomeSerialOrderExplains(Ddia.Verify.History.History history)
    {
        var txns = new List<Ddia.Verify.History.Value>();
        for (var i = 0; i < history.Count; i++)
            if (history[i].IsInvoke && history.OutcomeOf(i) == Ddia.Verify.History.OpType.Ok) txns.Add(history[history.CompletionOf(i)].Value);
        return Permutations(txns.Count).Any(order => Explains(order.Select(i => txns[i])));
    }

    private static bool Explains(IEnumerable<Ddia.Verify.History.Value> order)
    {
        var state = new Dictionary<Ddia.Verify.History.Value, List<Ddia.Verify.History.Value>>();
        foreach (var txn in order)
        {
            foreach (var m in txn.Items)
            {
                var key = m.Items[1];
                var list = state.GetValueOrDefault(key) ?? [];
                switch (m.Items[0].AsText)
                {
                    case "append": state[key] = [.. list, m.Items[2]]; break;
                    case "w": state[key] = [m.Items[2]]; break;
                    default:
                        // A list-append read returns the list; a register read the last value written, nil if none.
                        var register = m.Items[2].Kind != Ddia.Verify.History.ValueKind.List;
                        var ok = register ? (list.Count == 0 ? m.Items[2].IsNil : list[^1] == m.Items[2]) : list.SequenceEqual(m.Items[2].Items);
                        if (!ok) return false;
                        break;
                }
            }
        }
        return true;
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        var a = Enumerable.Range(0, n).ToArray();
        return Heap(a, n);

        static IEnumerable<int[]> Heap(int[] a, int k)
        {
            if (k <= 1)
            {
                yield return (int[])a.Clone();
                yield break;
            }
            for (var i = 0; i < k; i++)
            {
                foreach (var p in Heap(a, k - 1)) yield return p;
                var j = k % 2 == 0 ? i : 0;
                (a[j], a[k - 1]) = (a[k - 1], a[j]);
            }
        }
    }
}
