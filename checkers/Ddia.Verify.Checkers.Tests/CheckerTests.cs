using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests;

/// <summary>The IChecker surface: composition, crash safety, and the linearizability checker behind it.</summary>
public class CheckerTests
{
    private sealed class Fixed(string name, Validity validity) : IChecker
    {
        public string Name => name;
        public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default) =>
            new(name, validity, validity == Validity.Invalid ? [new Anomaly("test", [0], $"{name} says no")] : []);
    }

    private sealed class Crashing : IChecker
    {
        public string Name => "crashing";
        public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default) =>
            throw new InvalidOperationException("boom");
    }

    private static readonly HistoryList Empty = new([]);

    [Theory]
    [InlineData(Validity.Valid, Validity.Valid, Validity.Valid)]
    [InlineData(Validity.Valid, Validity.Unknown, Validity.Unknown)]
    [InlineData(Validity.Unknown, Validity.Invalid, Validity.Invalid)]
    [InlineData(Validity.Invalid, Validity.Valid, Validity.Invalid)]
    public void Compose_TakesTheWorstVerdict_AndKeepsEachChild(Validity a, Validity b, Validity expected)
    {
        var result = Checkers.Compose(new Fixed("a", a), new Fixed("b", b)).Check(Empty, new CheckOptions());

        Assert.Equal(expected, result.Validity);
        Assert.Equal(a, result.Children["a"].Validity);
        Assert.Equal(b, result.Children["b"].Validity);
        Assert.Equal(new[] { a, b }.Count(v => v == Validity.Invalid), result.Anomalies.Length);
    }

    [Fact]
    public void CheckSafe_WhenACheckerThrows_SaysUnknownWithTheError()
    {
        var result = Checkers.Compose(new Fixed("ok", Validity.Valid), new Crashing()).Check(Empty, new CheckOptions());

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.Contains("boom", result.Children["crashing"].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnbridledOptimism_SaysValid() =>
        Assert.Equal(Validity.Valid, Checkers.UnbridledOptimism.Check(Empty, new CheckOptions()).Validity);

    [Fact]
    public void LinearizabilityChecker_WhenAReadIsStale_NamesTheReadAndTheState()
    {
        // p1 reads 1 after the write of 2 completed: the read can only run in state 2.
        var history = Ops.Parse("p0 w1 [0,10] | p0 w2 [20,30] | p1 r1 [40,50]");
        var result = new LinearizabilityChecker(ModelCatalog.Create("register")).Check(history, new CheckOptions());

        Assert.Equal(Validity.Invalid, result.Validity);
        var anomaly = Assert.Single(result.Anomalies);
        Assert.Equal("nonlinearizable", anomaly.Kind);
        Assert.Equal("4,5", string.Join(",", anomaly.Positions));
        Assert.Contains("state was 2", anomaly.Explanation, StringComparison.Ordinal);
        Assert.IsType<LinearizabilityResult>(result.Detail);
    }

    [Fact]
    public void LinearizabilityChecker_WhenTheDeadlinePasses_SaysUnknownNotValid()
    {
        var writes = string.Join(" | ", Enumerable.Range(0, 22).Select(i => $"p{i} w{i + 1} [0,100]"));
        var history = Ops.Parse($"{writes} | p30 r1 [200,210] | p30 r2 [220,230]");
        var result = new LinearizabilityChecker(ModelCatalog.Create("register"))
            .Check(history, new CheckOptions { Timeout = TimeSpan.FromMilliseconds(20) });

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.NotNull(result.Error);
    }
}
