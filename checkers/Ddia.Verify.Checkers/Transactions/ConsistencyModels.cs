using System.Collections.Frozen;

namespace Ddia.Verify.Checkers.Transactions;

/// <summary>
/// Consistency models and the anomalies that rule them out, as tables (STYLE.md G17; the structure
/// follows Adya's PL levels, Bailis et al.'s HAT hierarchy, Cerone et al. and Elle's choices).
/// Three tables: which model implies which weaker ones, which anomalies a model proscribes directly
/// (beyond those of the models it implies), and which anomalies imply other anomalies. Every
/// question — is this model possible, which models are ruled out, which anomalies does a set of
/// models forbid — is a walk over them.
/// </summary>
public static class ConsistencyModels
{
    /// <summary>Stronger model → the weaker models it implies.</summary>
    private static readonly FrozenDictionary<string, string[]> Implies = new Dictionary<string, string[]>
    {
        ["strict-serializable"] = ["serializable", "snapshot-isolation", "strong-snapshot-isolation", "strong-session-serializable"],
        ["strong-session-serializable"] = ["serializable", "strong-session-snapshot-isolation"],
        ["serializable"] = ["repeatable-read", "snapshot-isolation", "update-serializable"],
        ["strong-snapshot-isolation"] = ["strong-session-snapshot-isolation", "strong-read-committed"],
        ["strong-session-snapshot-isolation"] = ["snapshot-isolation", "strong-session-read-committed"],
        ["snapshot-isolation"] = ["forward-consistent-view", "monotonic-atomic-view", "monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"],
        ["update-serializable"] = ["forward-consistent-view"],
        ["forward-consistent-view"] = ["consistent-view"],
        ["consistent-view"] = ["cursor-stability", "monotonic-view"],
        ["repeatable-read"] = ["cursor-stability", "monotonic-atomic-view"],
        ["parallel-snapshot-isolation"] = ["causal-cerone", "update-atomic"],
        ["prefix"] = ["causal-cerone"],
        ["causal-cerone"] = ["read-atomic"],
        ["read-atomic"] = ["monotonic-atomic-view"],
        ["monotonic-atomic-view"] = ["read-committed"],
        ["cursor-stability"] = ["read-committed"],
        ["update-atomic"] = ["read-committed"],
        ["monotonic-view"] = ["read-committed"],
        ["monotonic-snapshot-read"] = ["read-committed"],
        ["strong-read-committed"] = ["strong-session-read-committed", "strong-read-uncommitted"],
        ["strong-session-read-committed"] = ["read-committed", "strong-session-read-uncommitted"],
        ["strong-read-uncommitted"] = ["strong-session-read-uncommitted"],
        ["strong-session-read-uncommitted"] = ["read-uncommitted"],
        ["read-committed"] = ["read-uncommitted"],
        ["read-uncommitted"] = [],
    }.ToFrozenDictionary();

    /// <summary>Model → anomalies it proscribes directly (Adya's G-classes and the anomalies our checkers name).</summary>
    private static readonly FrozenDictionary<string, string[]> Proscribes = new Dictionary<string, string[]>
    {
        ["read-uncommitted"] = ["G0", "duplicate-elements", "garbage-read", "cyclic-versions"],
        ["read-committed"] = ["G1"],
        ["cursor-stability"] = ["G1", "G-cursor", "lost-update"],
        ["update-atomic"] = ["lost-update"],
        ["monotonic-view"] = ["G1", "G-monotonic"],
        ["monotonic-snapshot-read"] = ["G1", "G-MSR"],
        ["consistent-view"] = ["G1", "G-single"],
        ["forward-consistent-view"] = ["G1", "G-SIb"],
        ["update-serializable"] = ["G1", "G-update"],
        ["read-atomic"] = ["internal", "G1a", "future-read"],
        ["causal-cerone"] = ["internal", "G1a"],
        ["prefix"] = ["internal", "G1a"],
        ["parallel-snapshot-isolation"] = ["internal", "G1a"],
        ["repeatable-read"] = ["G1", "G2-item", "lost-update"],
        // Generalized SI forbids every cycle whose rw edges are all non-adjacent, not only G-single.
        ["snapshot-isolation"] = ["internal", "G1", "G-SI", "G-nonadjacent"],
        ["serializable"] = ["internal", "G1", "G2", "serializable-cycle-exists"],
        ["strict-serializable"] = ["G1", "G1c-realtime", "G2-realtime", "strict-serializable-cycle-exists"],
        ["strong-session-read-uncommitted"] = ["G0-process"],
        ["strong-session-read-committed"] = ["G1c-process"],
        ["strong-read-uncommitted"] = ["G0-realtime"],
        ["strong-read-committed"] = ["G1c-realtime"],
        ["strong-session-snapshot-isolation"] = ["internal", "G1-process", "G-nonadjacent-process"],
        ["strong-snapshot-isolation"] = ["internal", "G1-realtime", "G-nonadjacent-realtime"],
        ["strong-session-serializable"] = ["G1-process", "G2-process", "strong-session-serializable-cycle-exists"],
    }.ToFrozenDictionary();

    /// <summary>
    /// Anomaly → the anomalies it is a special case of. A G0 cycle is also a G1c one; a cycle found
    /// with process edges is also one with real-time edges (a process runs one transaction at a time).
    /// </summary>
    private static readonly FrozenDictionary<string, string[]> ImpliesAnomalies = new Dictionary<string, string[]>
    {
        ["G0"] = ["G1c", "G0-process"],
        ["G0-process"] = ["G1c-process", "G0-realtime"],
        ["G0-realtime"] = ["G1c-realtime"],
        ["G1a"] = ["G1"],
        ["G1b"] = ["G1"],
        ["G1c"] = ["G1", "G1c-process"],
        ["G1c-process"] = ["G1c-realtime", "G1-process"],
        ["G1c-realtime"] = ["G1-realtime"],
        ["G1"] = ["G1-process"],
        ["G1-process"] = ["G1-realtime"],
        ["G-single-item"] = ["G-single", "G-single-item-process", "G-nonadjacent-item"],
        ["G-single-item-process"] = ["G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"],
        ["G-single-item-realtime"] = ["G-single-realtime", "G-nonadjacent-item-realtime"],
        ["G-single"] = ["G-nonadjacent", "G-SIb", "G-single-process"],
        ["G-single-process"] = ["G-nonadjacent-process", "G-single-realtime"],
        ["G-single-realtime"] = ["G-nonadjacent-realtime"],
        ["G-nonadjacent-item"] = ["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
        ["G-nonadjacent-item-process"] = ["G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"],
        ["G-nonadjacent-item-realtime"] = ["G2-item-realtime", "G-nonadjacent-realtime"],
        ["G-nonadjacent"] = ["G2", "G-nonadjacent-process"],
        ["G-nonadjacent-process"] = ["G2-process", "G-nonadjacent-realtime"],
        ["G-nonadjacent-realtime"] = ["G2-realtime"],
        ["G2-item"] = ["G2", "G2-item-process"],
        ["G2-item-process"] = ["G2-process", "G2-item-realtime"],
        ["G2-item-realtime"] = ["G2-realtime"],
        ["G2"] = ["G2-process"],
        ["G2-process"] = ["G2-realtime"],
        ["G-SIa"] = ["G-SI"],
        ["G-SIb"] = ["G-SI"],
        // Two committed reads that cannot come from one version order: one of them read something uncommitted.
        ["incompatible-order"] = ["G1a"],
        // Reading one's own later write is a trivial G1c cycle (T wr→ T).
        ["future-read"] = ["G1c"],
        // A committed write built on an aborted one: a dirty read by a write.
        ["dirty-update"] = ["G1a"],
        ["lost-update"] = ["write-skew", "G2-item"],
        ["write-skew"] = ["G2"],
    }.ToFrozenDictionary();

    /// <summary>Alternative names users may give.</summary>
    private static readonly FrozenDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["strong-serializable"] = "strict-serializable",
        ["conflict-serializable"] = "serializable",
        ["PL-1"] = "read-uncommitted",
        ["PL-2"] = "read-committed",
        ["PL-2+"] = "consistent-view",
        ["PL-2.99"] = "repeatable-read",
        ["PL-SI"] = "snapshot-isolation",
        ["PL-3"] = "serializable",
        ["PL-SS"] = "strict-serializable",
        ["strong-session-PL-1"] = "strong-session-read-uncommitted",
        ["strong-session-PL-2"] = "strong-session-read-committed",
        ["strong-PL-1"] = "strong-read-uncommitted",
        ["strong-PL-2"] = "strong-read-committed",
        ["MAV"] = "monotonic-atomic-view",
        ["SI"] = "snapshot-isolation",
    }.ToFrozenDictionary();

    public static IReadOnlyCollection<string> All => Implies.Keys;

    /// <summary>Every anomaly name the tables know (those the checkers report, and the ones they imply).</summary>
    public static IReadOnlySet<string> AllAnomalies { get; } =
        ImpliesAnomalies.Keys.Concat(ImpliesAnomalies.Values.SelectMany(v => v)).Concat(Proscribes.Values.SelectMany(v => v)).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The model's canonical name, or null if it is unknown.</summary>
    public static string? Canonical(string name)
    {
        var n = Aliases.GetValueOrDefault(name, name);
        return Implies.ContainsKey(n) ? n : null;
    }

    /// <summary>Every anomaly that follows from <paramref name="anomalies"/> (including themselves).</summary>
    public static IReadOnlySet<string> Closure(IEnumerable<string> anomalies) => Reach(anomalies, ImpliesAnomalies);

    /// <summary>Whether finding <paramref name="found"/> already means <paramref name="anomaly"/> was found.</summary>
    public static bool IsImpliedBy(string anomaly, IEnumerable<string> found) => Closure(found).Contains(anomaly);

    /// <summary>Every model that cannot hold in a history where <paramref name="anomalies"/> occurred.</summary>
    public static IReadOnlySet<string> Impossible(IEnumerable<string> anomalies)
    {
        var closure = Closure(anomalies);
        var direct = Proscribes.Where(p => p.Value.Any(closure.Contains)).Select(p => p.Key);
        // A model that implies an impossible model is impossible too.
        return Reach(direct, ImpliedBy.Value);
    }

    /// <summary>
    /// The boundary Elle reports: <c>Not</c>, the weakest models ruled out (none of them implies
    /// another of the set), and <c>AlsoNot</c>, the stronger models ruled out with them.
    /// </summary>
    public static (IReadOnlyList<string> Not, IReadOnlyList<string> AlsoNot) Boundary(IEnumerable<string> anomalies) =>
        BoundaryOf(Impossible(anomalies));

    /// <summary>The boundary of a set of impossible models (from <see cref="Impossible"/>).</summary>
    public static (IReadOnlyList<string> Not, IReadOnlyList<string> AlsoNot) BoundaryOf(IReadOnlySet<string> impossible)
    {
        var weakest = impossible
            .Where(m => !Reach(Implies[m], Implies).Any(impossible.Contains))
            .Order(StringComparer.Ordinal)
            .ToList();
        var also = impossible.Except(weakest).Order(StringComparer.Ordinal).ToList();
        return (weakest, also);
    }

    /// <summary>Every anomaly a history must not have for all of <paramref name="models"/> to hold.</summary>
    public static IReadOnlySet<string> Prohibited(IEnumerable<string> models)
    {
        var implied = Reach(models.Select(m => Canonical(m) ?? throw new ArgumentException($"unknown consistency model '{m}'", nameof(models))), Implies);
        var direct = implied.SelectMany(m => Proscribes.GetValueOrDefault(m, []));
        return Reach(direct, ImpliedByAnomaly.Value);
    }

    private static readonly Lazy<FrozenDictionary<string, string[]>> ImpliedBy = new(() => Invert(Implies));
    private static readonly Lazy<FrozenDictionary<string, string[]>> ImpliedByAnomaly = new(() => Invert(ImpliesAnomalies));

    private static FrozenDictionary<string, string[]> Invert(FrozenDictionary<string, string[]> graph) =>
        graph.SelectMany(p => p.Value.Select(v => (From: v, To: p.Key)))
            .GroupBy(e => e.From, e => e.To)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray());

    private static HashSet<string> Reach(IEnumerable<string> start, IReadOnlyDictionary<string, string[]> graph)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(start);
        while (todo.Count > 0)
        {
            var x = todo.Pop();
            if (!seen.Add(x)) continue;
            foreach (var y in graph.GetValueOrDefault(x, [])) todo.Push(y);
        }
        return seen;
    }
}
