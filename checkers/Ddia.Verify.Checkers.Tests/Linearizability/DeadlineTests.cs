using System.Diagnostics;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>A check that is stopped early (deadline, cancellation, another key failing) says Unknown, never Valid.</summary>
public sealed class DeadlineTests
{
    /// <summary>
    /// <paramref name="writers"/> concurrent writes of 1, 2, ..., then reads of 1 and then 2: invalid
    /// (nothing can write 2 after 1 is read), but every value read is written, so the search has to
    /// try every subset of writes with every last write (about writers × 2^(writers-1) configurations).
    /// </summary>
    private static HistoryList HardInvalid(int writers) => Ops.Parse(HardInvalidText(writers, ""));

    private static string HardInvalidText(int writers, string keyPrefix) =>
        string.Join(" | ", Enumerable.Range(0, writers)
            .Select(i => $"p{i} {keyPrefix}w{i + 1} [0,100]")
            .Append($"p{writers} {keyPrefix}r1 [200,210]")
            .Append($"p{writers} {keyPrefix}r2 [220,230]"));

    [Fact]
    public void Check_WhenTimeoutExpiresOnHardHistory_ReportsUnknown()
    {
        var clock = Stopwatch.StartNew();
        var result = Verdicts.Check("register", HardInvalid(22), options: new LinearizabilityOptions { Timeout = TimeSpan.FromMilliseconds(50) });

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.StartsWith("timed out", result.UnknownReason, StringComparison.Ordinal);
        Assert.Equal(Validity.Unknown, Assert.Single(result.Partitions).Validity);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Check_WhenTimeoutExpiresOnValidHistory_ReportsUnknownNotValid()
    {
        var history = HistoryGenerator.Generate(seed: 7, ops: 20_000, keys: 1, processes: 5, infoRate: 0.01);

        var result = Verdicts.Check("cas-register", history, options: new LinearizabilityOptions { Timeout = TimeSpan.FromTicks(1) });

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.NotNull(result.UnknownReason);
    }

    [Fact]
    public void Check_WhenTokenIsAlreadyCancelled_ReportsUnknown()
    {
        var history = HistoryGenerator.Generate(seed: 8, ops: 20_000, keys: 1, processes: 5, infoRate: 0.01);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var result = ModelCatalog.Create("cas-register").Check(history, new LinearizabilityOptions(), cancelled.Token);

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.Equal("cancelled", result.UnknownReason);
    }

    [Fact]
    public void Check_WhenCancelledWhileSearching_ReportsUnknown()
    {
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var result = ModelCatalog.Create("register").Check(HardInvalid(22), new LinearizabilityOptions(), soon.Token);

        Assert.Equal(Validity.Unknown, result.Validity);
        Assert.Equal("cancelled", result.UnknownReason);
    }

    [Fact]
    public void Check_WhenManyConcurrentInfoOpsAndTinyTimeout_NeverReportsValid()
    {
        // 40 info writes and cas ops all concurrent, and reads that need a long chain of them.
        var ops = new List<string> { "p0 w0 [0,1]" };
        for (var i = 0; i < 40; i++) ops.Add(i % 2 == 0 ? $"p{i + 1} w{i % 7}:info [2,_]" : $"p{i + 1} c{i % 7}>{(i + 3) % 7}:info [2,_]");
        for (var i = 0; i < 30; i++) ops.Add($"p{100 + i % 3} r{i * 5 % 7} [{10 + 10 * i},{15 + 10 * i}]");
        var history = Ops.Parse(string.Join(" | ", ops));

        var result = Verdicts.Check("cas-register", history, options: new LinearizabilityOptions { Timeout = TimeSpan.FromTicks(1) });

        Assert.NotEqual(Validity.Valid, result.Validity);
    }

    [Fact]
    public void Check_WhenAnotherKeyFailsFirst_ReportsInvalidAndLeavesTheStoppedKeyUnknown()
    {
        // Key "hard" (the biggest, so started first) would take very long; key "easy" fails at once.
        var history = Ops.Parse(HardInvalidText(24, "khard:") + " | p90 keasy:w1 [300,310] | p90 keasy:r2 [320,330]");
        var options = new LinearizabilityOptions { MaxParallelism = 2, Timeout = TimeSpan.FromSeconds(20) };

        var clock = Stopwatch.StartNew();
        var result = Verdicts.Check("register", history, options: options);

        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Equal(Value.Of("easy"), Assert.Single(result.Failures).Key);
        var stopped = result.Partitions.Single(p => p.Key == Value.Of("hard"));
        Assert.Equal(Validity.Unknown, stopped.Validity);
        Assert.NotNull(stopped.Note);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
