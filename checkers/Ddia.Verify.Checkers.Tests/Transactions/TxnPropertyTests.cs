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
