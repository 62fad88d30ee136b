using System.Collections.Immutable;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Transactions;

/// <summary>
/// An anomaly found without a cycle (G1a, G1b, internal, lost-update, …): its kind, the history
/// positions of the ops involved, the key and the element or values at stake, and a sentence for
/// people. Tests assert on the data; reports show <see cref="Explanation"/>.
/// </summary>
public sealed record Finding(string Kind, ImmutableArray<int> Positions, Value? Key, Value? Element, string Explanation);

/// <summary>A cycle anomaly: its kind, its edges with the reason for each, and the Elle-style explanation.</summary>
public sealed record CycleFinding(string Kind, ImmutableArray<CycleStep> Steps, string Explanation)
{
    public ImmutableArray<int> Positions => CycleText.Positions(Steps);
}

/// <summary>What a workload's analysis hands the cycle search: data edges, findings, and how to explain edges.</summary>
internal sealed record Analysis(GraphBuilder Edges, List<Finding> Findings, IEdgeExplainer Explainer, string? Unanalyzable = null);

/// <summary>Anomaly names that say the check could not finish, rather than that the history is wrong.</summary>
public static class UnknownAnomalies
{
    public const string EmptyTransactionGraph = "empty-transaction-graph";
    public const string CycleSearchTimeout = "cycle-search-timeout";

    public static bool IsUnknown(string kind) => kind is EmptyTransactionGraph or CycleSearchTimeout;
}
