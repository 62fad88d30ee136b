using CsCheck;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Testing;

/// <summary>The generators keep the history contract (DESIGN.md §2) and their own promises.</summary>
public sealed class GensTests
{
    /// <summary>Pairing is clean, and a process that got info (or never completed) never invokes again.</summary>
    private static void AssertWellFormed(HistoryList h)
    {
        Assert.Empty(h.Problems);
        var retired = new HashSet<int>();
        for (var i = 0; i < h.Count; i++)
        {
            Assert.Equal(i, h[i].Index);
            if (!h[i].IsInvoke) continue;
            Assert.DoesNotContain(h[i].Process, retired);
            if (h.OutcomeOf(i) == OpType.Info) retired.Add(h[i].Process);
        }
    }

    [Fact]
    public void SequentialRegisterHistory_CompletesEachOpBeforeTheNext() =>
        Gens.SequentialRegisterHistory.Sample(h =>
        {
            AssertWellFormed(h);
            for (var i = 0; i < h.Count; i += 2)
            {
                Assert.Equal(i + 1, h.CompletionOf(i));
                Assert.NotEqual(OpType.Info, h[i + 1].Type);
            }
        }, iter: 200, print: Ops.Format);

    [Fact]
    public void ConcurrentLinearizableRegisterHistory_KeepsTheHistoryContract() =>
        Gens.ConcurrentLinearizableRegisterHistory(keys: 3, processes: 4, ops: 60, infoRate: 0.3).Sample(h =>
        {
            AssertWellFormed(h);
            Assert.All(h, o => Assert.True(o.Key is { } k && k.AsLong is >= 0 and < 3));
            Assert.True(h.Count(o => o.IsInvoke) <= 60);
        }, iter: 200, print: Ops.Format);

    [Fact]
    public void ConcurrentLinearizableRegisterHistory_WithUniqueWrites_NeverWritesAValueTwice() =>
        Gens.ConcurrentLinearizableRegisterHistory(keys: 2, processes: 4, ops: 60, infoRate: 0.2, uniqueWrites: true).Sample(h =>
        {
            var written = h.Where(o => o.IsInvoke && o.F is "write" or "cas")
                .Select(o => o.F == "write" ? o.Value.AsLong : o.Value.Items[1].AsLong)
                .ToList();
            Assert.Equal(written.Count, written.Distinct().Count());
        }, iter: 200, print: Ops.Format);

    [Fact]
    public void SmallRandomRegisterHistory_StaysSmall() =>
        Gens.SmallRandomRegisterHistory.Sample(h =>
        {
            AssertWellFormed(h);
            Assert.InRange(h.Count(o => o.IsInvoke), 1, 7);
            Assert.All(h, o => Assert.Null(o.Key));
        }, iter: 500, print: Ops.Format);

    [Fact]
    public void Generate_WithTheSameSeed_GivesTheSameHistory()
    {
        var a = HistoryGenerator.Generate(seed: 42, ops: 5_000, keys: 4, processes: 6, infoRate: 0.05);
        var b = HistoryGenerator.Generate(seed: 42, ops: 5_000, keys: 4, processes: 6, infoRate: 0.05);
        var c = HistoryGenerator.Generate(seed: 43, ops: 5_000, keys: 4, processes: 6, infoRate: 0.05);

        Assert.Equal<Op>(a, b);
        Assert.NotEqual<Op>(a, c);
    }

    [Fact]
    public void Generate_GivesACompleteLinearizableHistory()
    {
        var h = HistoryGenerator.Generate(seed: 1, ops: 20_000, keys: 8, processes: 10, infoRate: 0.02);

        AssertWellFormed(h);
        Assert.Equal(40_000, h.Count);
        Assert.Contains(h, o => o.Type == OpType.Info);
        Assert.Contains(h, o => o.Type == OpType.Fail);
        Assert.Equal(Validity.Valid, Linearizability.Verdicts.Check("cas-register", h).Validity);
    }
}
