using System.Collections.Immutable;
using System.Diagnostics;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Transactions;

public enum TxnWorkload { ListAppend, RwRegister }

/// <summary>Options of the transactional checkers. The defaults are Elle's.</summary>
public sealed record TxnCheckOptions
{
    /// <summary>The models the history must satisfy; the verdict is invalid when any is ruled out.</summary>
    public IReadOnlyList<string> ConsistencyModels { get; init; } = ["strict-serializable"];

    /// <summary>Time for one cycle search (one anomaly shape in one component) before it gives up.</summary>
    public TimeSpan CycleSearchBudget { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>rw-register: each key's writes are sequentially consistent (per-process order holds per key).</summary>
    public bool SequentialKeys { get; init; }

    /// <summary>rw-register: each key is linearizable (real-time order holds per key).</summary>
    public bool LinearizableKeys { get; init; }

    /// <summary>rw-register: writes follow reads per key (a transaction that read v and then wrote v' installed v' after v).</summary>
    public bool WfrKeys { get; init; }
}

/// <summary>Counts and times of one check, for reports and benchmarks.</summary>
public sealed record TxnStats(int Ok, int Info, int Fail, int Edges, int Components, TimeSpan Infer, TimeSpan Graph, TimeSpan Cycles);

/// <summary>
/// The full result of a transactional check: the anomalies by kind, the models they rule out (the
/// weakest in <see cref="Not"/>, the stronger ones in <see cref="AlsoNot"/>), and whether the
/// requested models hold.
/// </summary>
public sealed record TxnCheckResult(
    Validity Validity,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> AnomalyTypes,
    IReadOnlyList<string> Not,
    IReadOnlyList<string> AlsoNot,
    ImmutableArray<CycleFinding> Cycles,
    ImmutableArray<Finding> Findings,
    TxnStats Stats,
    string? UnknownReason)
{
    /// <summary>Whether one model holds: ruled out by an anomaly found, undecided when the check could not finish, else valid.</summary>
    public Validity VerdictFor(string model) =>
        ConsistencyModels.Impossible(AnomalyTypes).Contains(ConsistencyModels.Canonical(model) ?? model) ? Validity.Invalid
        : UnknownReason is not null || AnomalyTypes.Any(UnknownAnomalies.IsUnknown) ? Validity.Unknown
        : Validity.Valid;
}

/// <summary>
/// Elle-style checker for transactional histories (list-append or rw-register): infers dependencies,
/// finds cycles and other anomalies, and names the consistency models they rule out
/// (DESIGN.md §5, STYLE.md G15–G17). Process and real-time edges are always added: the cycles that need
/// them come out as "-process" and "-realtime" anomalies, which only the strong models forbid.
/// </summary>
public sealed class TransactionalChecker(TxnWorkload workload, TxnCheckOptions? settings = null) : IChecker
{
    private readonly TxnCheckOptions options = Validate(settings ?? new TxnCheckOptions());

    public string Name => workload == TxnWorkload.ListAppend ? "list-append" : "rw-register";

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        var r = Analyze(history, options, cancellation);
        var anomalies = r.Findings.Select(f => new Anomaly(f.Kind, f.Positions, f.Explanation))
            .Concat(r.Cycles.Select(c => new Anomaly(c.Kind, c.Positions, c.Explanation)))
            .ToImmutableArray();
        return new CheckResult(Name, r.Validity, anomalies) { Detail = r, Error = r.UnknownReason };
    }

    public TxnCheckResult Analyze(HistoryList history, CheckOptions? limits = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var txns = TxnHistory.From(history, workload == TxnWorkload.ListAppend ? ListAppendMops : RegisterMops);
        var analysis = workload == TxnWorkload.ListAppend ? ListAppend.Analyze(txns) : RwRegister.Analyze(txns, options);
        var infer = clock.Elapsed;
        var (ok, info, fail) = (txns.Txns.Count(t => t.Outcome == OpType.Ok), txns.Txns.Count(t => t.Outcome == OpType.Info), txns.Txns.Count(t => t.Outcome == OpType.Fail));
        if (analysis.Unanalyzable is { } why)
        {
            var stats0 = new TxnStats(ok, info, fail, 0, 0, infer, TimeSpan.Zero, TimeSpan.Zero);
            return new TxnCheckResult(Validity.Unknown, options.ConsistencyModels, [], [], [], [], [], stats0, why);
        }

        AddOrderEdges(txns, analysis.Edges);
        var graph = analysis.Edges.Build();
        var built = clock.Elapsed;
        var budget = options.CycleSearchBudget;
        if (limits?.Timeout is { } limit && limit < budget) budget = limit;
        var components = CycleSearch.Run(graph, budget, cancellation);
        var searched = clock.Elapsed;

        var findings = analysis.Findings;
        var cycles = ImmutableArray.CreateBuilder<CycleFinding>();
        foreach (var c in components)
        {
            foreach (var cycle in c.Cycles)
            {
                var steps = cycle.Edges.Select(e =>
                {
                    var (a, b) = (txns.Txns[e.From], txns.Txns[e.To]);
                    return new CycleStep(a, b, e.Rel, CycleText.ExplainOrder(a, b, e.Rel, analysis.Explainer, txns));
                }).ToImmutableArray();
                cycles.Add(new CycleFinding(cycle.Name, steps, CycleText.Render(steps, analysis.Explainer, txns)));
            }
            if (c.TimedOut.Count > 0)
                findings.Add(new Finding(UnknownAnomalies.CycleSearchTimeout, [.. c.Nodes.Take(32).Select(n => txns.Txns[n].Position)], null, null,
                    $"The search for {string.Join(", ", c.TimedOut)} cycles among {c.Nodes.Length} transactions that depend on each other ran out of time."));
            if (c.CycleExistsAnomaly is { } exists)
                findings.Add(new Finding(exists, [.. c.Nodes.Take(32).Select(n => txns.Txns[n].Position)], null, null,
                    $"{c.Nodes.Length} transactions depend on each other in a cycle, though the search did not single one out in time."));
        }
        if (graph.EdgeCount == 0)
            findings.Add(new Finding(UnknownAnomalies.EmptyTransactionGraph, [], null, null,
                "No transaction depends on any other: the history has nothing to check (too few transactions, or none that read another's writes)."));

        var types = findings.Select(f => f.Kind).Concat(cycles.Select(c => c.Kind)).Distinct().Order(StringComparer.Ordinal).ToList();
        var impossible = ConsistencyModels.Impossible(types);
        var (not, alsoNot) = ConsistencyModels.BoundaryOf(impossible);
        var validity = options.ConsistencyModels.Any(m => impossible.Contains(ConsistencyModels.Canonical(m)!)) ? Validity.Invalid
            : types.Any(UnknownAnomalies.IsUnknown) ? Validity.Unknown
            : Validity.Valid;
        var reason = validity == Validity.Unknown ? string.Join("; ", findings.Where(f => UnknownAnomalies.IsUnknown(f.Kind)).Select(f => f.Explanation).Distinct()) : null;
        var stats = new TxnStats(ok, info, fail, graph.EdgeCount, components.Count, infer, built - infer, searched - built);
        return new TxnCheckResult(validity, options.ConsistencyModels, types, not, alsoNot, cycles.ToImmutable(), [.. findings], stats, reason);
    }

    private static readonly IReadOnlySet<MopKind> ListAppendMops = new HashSet<MopKind> { MopKind.Append, MopKind.Read };
    private static readonly IReadOnlySet<MopKind> RegisterMops = new HashSet<MopKind> { MopKind.Write, MopKind.Read };

    /// <summary>
    /// Process edges (each process's transactions in order) and real-time edges (a transaction that
    /// completed ok before another was invoked precedes it). Real time is kept small as Elle does: a
    /// frontier of completed transactions, each pruned once a later completed one already follows it,
    /// so each invocation links to about as many transactions as there are clients, not to all before it.
    /// </summary>
    private static void AddOrderEdges(TxnHistory txns, GraphBuilder edges)
    {
        var lastOfProcess = new Dictionary<int, Txn>();
        var frontier = new List<Txn>();
        foreach (var (t, completed) in txns.Events(t => t.MayHaveCommitted))
        {
            if (completed)
            {
                frontier.RemoveAll(f => f.Complete < t.Invoke);
                frontier.Add(t);
                continue;
            }
            foreach (var f in frontier) edges.Add(f.Id, t.Id, Rel.Realtime);
            if (t.Process < 0) continue;
            if (lastOfProcess.TryGetValue(t.Process, out var before)) edges.Add(before.Id, t.Id, Rel.Process);
            lastOfProcess[t.Process] = t;
        }
    }

    private static TxnCheckOptions Validate(TxnCheckOptions o)
    {
        foreach (var m in o.ConsistencyModels)
            if (ConsistencyModels.Canonical(m) is null)
                throw new ArgumentException($"unknown model '{m}'; known consistency models: {string.Join(", ", ConsistencyModels.All.Order(StringComparer.Ordinal))}");
        return o;
    }
}
