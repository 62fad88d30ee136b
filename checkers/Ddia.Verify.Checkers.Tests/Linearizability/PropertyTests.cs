using CsCheck;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>
/// Properties of the checker over generated register histories. A failure prints CsCheck's seed
/// (replay with the CsCheck_Seed environment variable) and the history in the Ops DSL.
/// </summary>
public sealed class PropertyTests
{
    private static readonly SourceConventions[] AllConventions = [SourceConventions.Native, SourceConventions.Porcupine, SourceConventions.Knossos];

    private static string Name(SourceConventions c) =>
        c == SourceConventions.Porcupine ? "porcupine" : c == SourceConventions.Knossos ? "knossos" : "native";

    [Fact]
    public void Check_SequentialHistoriesFromModel_AreAlwaysValid() =>
        Gens.SequentialRegisterHistory.Sample(history =>
        {
            foreach (var conventions in AllConventions)
            {
                var result = Verdicts.Check("cas-register", history, conventions);
                Assert.True(result.Validity == Validity.Valid, $"{Name(conventions)}: {result.Validity.Name()}");
            }
        }, iter: 500, print: Ops.Format);

    [Theory]
    [InlineData(1, 3, 30, 0.2)]
    [InlineData(1, 6, 40, 0.3)]
    [InlineData(3, 5, 80, 0.15)]
    public void Check_SimulatedConcurrentHistories_AreAlwaysValid(int keys, int processes, int ops, double infoRate) =>
        Gens.ConcurrentLinearizableRegisterHistory(keys, processes, ops, infoRate).Sample(history =>
        {
            foreach (var conventions in AllConventions)
            {
                var result = Verdicts.Check("cas-register", history, conventions);
                Assert.True(result.Validity == Validity.Valid, $"{Name(conventions)}: {result.Validity.Name()}");
            }
        }, iter: 200, print: Ops.Format);

    [Fact]
    public void Check_OnSmallRandomHistories_AgreesWithBruteForce() =>
        Gens.SmallRandomRegisterHistory.Sample(history =>
        {
            foreach (var conventions in AllConventions)
            {
                foreach (var initial in new[] { Value.Nil, Value.Of(0) })
                {
                    var checker = Verdicts.Check("cas-register", history, conventions, initial).Validity;
                    var oracle = Verdicts.Oracle(ModelCatalog.Create("cas-register", initial, conventions), history);
                    Assert.True(checker == (oracle ? Validity.Valid : Validity.Invalid),
                        $"{Name(conventions)}, initial {initial}: checker says {checker.Name()}, brute force says linearizable={oracle}");
                }
            }
        }, iter: 3000, print: Ops.Format);

    [Theory]
    [InlineData("register")]
    [InlineData("cas-register")]
    [InlineData("multi-register")]
    [InlineData("kv")]
    [InlineData("kv-map")]
    [InlineData("mutex")]
    [InlineData("set")]
    [InlineData("fifo-queue")]
    [InlineData("unordered-queue")]
    public void Check_OnSmallRandomHistoriesOfEveryModel_AgreesWithBruteForce(string model) =>
        Gens.SmallRandomHistory(model).Sample(history =>
        {
            foreach (var conventions in model.EndsWith("register", StringComparison.Ordinal) ? AllConventions : [SourceConventions.Native])
            {
                var checker = Verdicts.Check(model, history, conventions).Validity;
                var oracle = Verdicts.Oracle(ModelCatalog.Create(model, null, conventions), history);
                Assert.True(checker == (oracle ? Validity.Valid : Validity.Invalid),
                    $"{model} ({Name(conventions)}): checker says {checker.Name()}, brute force says linearizable={oracle}");
            }
        }, iter: 1000, print: Ops.Format);

    [Fact]
    public void BruteForce_OnSmallSimulatedHistories_FindsThemLinearizable() =>
        Gens.ConcurrentLinearizableRegisterHistory(keys: 1, processes: 3, ops: 8, infoRate: 0.25).Sample(history =>
            Verdicts.Oracle(ModelCatalog.Create("cas-register"), history), iter: 500, print: Ops.Format);

    [Fact]
    public void Check_WhenOneReadOfALinearizableHistoryIsMadeImpossible_ReportsInvalid() =>
        Gen.Select(Gens.ConcurrentLinearizableRegisterHistory(keys: 2, processes: 4, ops: 40, infoRate: 0.15, uniqueWrites: true),
                Gen.Int[0, 1_000_000], Gen.Bool)
            .Sample((history, pick, toLaterWrite) =>
            {
                if (ImpossibleRead(history, pick, toLaterWrite) is not { } mutated) return;
                var result = Verdicts.Check("cas-register", mutated);
                Assert.True(result.Validity == Validity.Invalid, $"{result.Validity.Name()} for {Ops.Format(mutated)}");
            }, iter: 300, print: t => Ops.Format(t.Item1) + $" (read #{t.Item2}, later write: {t.Item3})");

    [Fact]
    public void Check_WhenOneReadOfASmallHistoryIsMadeImpossible_AgreesWithBruteForce() =>
        Gen.Select(Gens.ConcurrentLinearizableRegisterHistory(keys: 1, processes: 3, ops: 8, infoRate: 0.2, uniqueWrites: true),
                Gen.Int[0, 1_000_000], Gen.Bool)
            .Sample((history, pick, toLaterWrite) =>
            {
                if (ImpossibleRead(history, pick, toLaterWrite) is not { } mutated) return;
                Assert.Equal(Validity.Invalid, Verdicts.Check("cas-register", mutated).Validity);
                Assert.False(Verdicts.Oracle(ModelCatalog.Create("cas-register"), mutated));
            }, iter: 500, print: t => Ops.Format(t.Item1) + $" (read #{t.Item2}, later write: {t.Item3})");

    /// <summary>
    /// Changes the result of one ok read (chosen by <paramref name="pick"/>) to a value it cannot have
    /// seen: either one written only by ops invoked after the read completed (when there is such a
    /// value and <paramref name="toLaterWrite"/>), or one no op ever writes. Null when the history has
    /// no ok read. Needs unique writes, so that each value has one writer.
    /// </summary>
    internal static HistoryList? ImpossibleRead(HistoryList history, int pick, bool toLaterWrite)
    {
        var reads = Enumerable.Range(0, history.Count)
            .Where(i => history[i].IsInvoke && history[i].F == "read" && history.OutcomeOf(i) == OpType.Ok)
            .ToList();
        if (reads.Count == 0) return null;
        var read = reads[pick % reads.Count];
        var completion = history.CompletionOf(read);

        // Who writes what: every write and cas (whatever its outcome) is a potential writer of its value.
        var writers = new Dictionary<long, List<int>>();
        var largest = 0L;
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            foreach (var v in op.Value.Kind == ValueKind.List ? op.Value.Items : [op.Value])
                if (v.TryGetLong(out var n)) largest = Math.Max(largest, n);
            if (!op.IsInvoke || op.F is not ("write" or "cas")) continue;
            var written = op.F == "write" ? op.Value.AsLong : op.Value.Items[1].AsLong;
            if (!writers.TryGetValue(written, out var list)) writers[written] = list = [];
            list.Add(i);
        }

        var value = largest + 1_000;   // never written by anyone
        if (toLaterWrite)
        {
            var later = writers
                .Where(w => w.Value.All(at => at > completion))
                .Select(w => w.Key)
                .Order()
                .ToList();
            if (later.Count > 0) value = later[pick % later.Count];
        }
        Assert.True(!writers.TryGetValue(value, out var who) || who.All(at => at > completion), "the mutation must be impossible");

        var ops = history.ToArray();
        ops[completion] = ops[completion] with { Value = Value.Of(value) };
        return new HistoryList(ops);
    }
}
