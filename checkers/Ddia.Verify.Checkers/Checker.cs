using System.Collections.Immutable;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers;

/// <summary>
/// A checker: a pure function of a history (DESIGN.md §3, §5). Called once, after the run and its
/// teardown; may be called from any thread; must do no I/O (reports write files, checkers never do).
/// A checker that cannot decide says <see cref="Validity.Unknown"/>; it never guesses Valid.
/// </summary>
public interface IChecker
{
    /// <summary>Short name for results and reports: "linearizable", "timeline", "stats".</summary>
    string Name { get; }

    CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default);
}

/// <summary>Limits shared by every checker of a test. The default has no deadline.</summary>
public sealed record CheckOptions
{
    /// <summary>After this long a checker stops and says Unknown. Null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// Something a checker found wrong: its kind ("nonlinearizable", "G2-item", "lost-update"), the
/// history positions of the ops involved, and a plain-text explanation for people.
/// </summary>
public sealed record Anomaly(string Kind, ImmutableArray<int> Positions, string Explanation);

/// <summary>
/// A checker's verdict. <see cref="Detail"/> carries the checker's own result (for example a
/// <c>LinearizabilityResult</c>) for reports to draw; <see cref="Children"/> holds the parts of a
/// composed checker, by name.
/// </summary>
public sealed record CheckResult(string Checker, Validity Validity, ImmutableArray<Anomaly> Anomalies)
{
    public ImmutableDictionary<string, CheckResult> Children { get; init; } = ImmutableDictionary<string, CheckResult>.Empty;

    /// <summary>Why the checker could not decide, when it crashed or gave up.</summary>
    public string? Error { get; init; }

    public object? Detail { get; init; }

    public static CheckResult Unknown(string checker, string why) => new(checker, Validity.Unknown, []) { Error = why };
}

public static class Checkers
{
    /// <summary>Runs <paramref name="checker"/>; a crash becomes Unknown with the error, never a thrown exception or Valid.</summary>
    public static CheckResult CheckSafe(this IChecker checker, HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        try
        {
            return checker.Check(history, options, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return CheckResult.Unknown(checker.Name, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Runs every checker (each safely); the verdict is the worst of theirs.</summary>
    public static IChecker Compose(params IChecker[] checkers) => new Composed(checkers);

    /// <summary>Says Valid to anything: the default slot of a test that checks nothing (Jepsen's "unbridled optimism").</summary>
    public static IChecker UnbridledOptimism { get; } = new Optimist();

    private sealed class Composed(IChecker[] parts) : IChecker
    {
        public string Name => "compose";

        public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
        {
            var children = parts.ToImmutableDictionary(c => c.Name, c => c.CheckSafe(history, options, cancellation));
            var validity = children.Values.Aggregate(Validity.Valid, (v, r) => v.Merge(r.Validity));
            return new CheckResult(Name, validity, [.. children.Values.SelectMany(r => r.Anomalies)]) { Children = children };
        }
    }

    private sealed class Optimist : IChecker
    {
        public string Name => "unbridled-optimism";

        public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default) =>
            new(Name, Validity.Valid, []);
    }
}
