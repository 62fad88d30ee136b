using System.Collections.Immutable;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability;

/// <summary>Limits for one check. The default has no deadline.</summary>
public sealed record LinearizabilityOptions
{
    /// <summary>After this long the check stops and says Unknown. Null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Partitions checked at once. The default is the number of cores.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Stop checking the other keys once one is found not linearizable (the verdict cannot change).
    /// The default is true; false checks every key, to list them all.
    /// </summary>
    public bool StopAtFirstFailure { get; init; } = true;

    /// <summary>How many longest partial linearizations a failure keeps. The default is 4.</summary>
    public int MaxPrefixes { get; init; } = 4;

    /// <summary>How many of the last steps of each partial linearization are kept. The default is 64.</summary>
    public int MaxPrefixSteps { get; init; } = 64;
}

/// <summary>The verdict on a whole history, with one result per partition (key).</summary>
public sealed record LinearizabilityResult(
    Validity Validity,
    string Model,
    int Ops,
    ImmutableArray<PartitionResult> Partitions,
    TimeSpan Elapsed)
{
    /// <summary>Why the verdict is Unknown, when it is: "timed out after 10 s", "cancelled".</summary>
    public string? UnknownReason { get; init; }

    public IEnumerable<PartitionResult> Failures => Partitions.Where(p => p.Validity == Validity.Invalid);
}

/// <summary>The verdict on the ops of one key.</summary>
public sealed record PartitionResult(
    Value? Key,
    Validity Validity,
    int Ops,
    int UnknownOps,
    long Configurations,
    LinearizabilityFailure? Failure)
{
    /// <summary>Why a partition's verdict is Unknown when the search was stopped for another reason than the deadline.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// What a report needs to draw a violation: the op whose completion no linearization could reach,
/// and the longest partial linearizations found, each ending in a state in which that op is impossible.
/// </summary>
public sealed record LinearizabilityFailure(
    HistoryRef Op,
    ImmutableArray<PartialLinearization> LongestPrefixes)
{
    /// <summary>The distinct model states the search could be in when it had to linearize <see cref="Op"/>.</summary>
    public IEnumerable<string> CandidateStates => LongestPrefixes.Select(p => p.FinalState).Distinct();
}

/// <summary>An op of the history: its invocation and, if it completed, its completion.</summary>
public sealed record HistoryRef(int Position, Op Invocation, int CompletionPosition, Op? Completion)
{
    public override string ToString() => Completion is { } c ? $"{Invocation} -> {Op.TypeName(c.Type)} {c.Value}" : $"{Invocation} (no completion)";
}

/// <summary>
/// A linearizable prefix: <see cref="Omitted"/> earlier ops (leading to <see cref="StartState"/>),
/// then <see cref="Steps"/>, each with the state after it.
/// </summary>
public sealed record PartialLinearization(
    int Omitted,
    string StartState,
    ImmutableArray<LinearizedStep> Steps,
    string FinalState);

public sealed record LinearizedStep(HistoryRef Op, string StateAfter);
