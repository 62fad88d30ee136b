using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports;

/// <summary>
/// How much one kind of fault (one nemesis package) exercised the run: how often and how long it was on, which
/// nodes it hit, and how the client ops that overlapped it ended. A passing run whose faults hit no node, or
/// overlapped no op, was lucky rather than tested; this is what lets a reader tell.
/// </summary>
/// <param name="Kind">The fault kind ("partition", "kill", …); <see cref="FaultCoverage.NoFault"/> for the ops that
/// overlapped no fault at all.</param>
/// <param name="Windows">How many times the fault was started.</param>
/// <param name="ActiveNs">How long it was on, in total (a fault never stopped counts to the end of the history).</param>
/// <param name="Nodes">The nodes its starts said they acted on, in name order.</param>
/// <param name="WindowsWithoutNodes">Starts that reported no node acted on (a partition with an empty grudge, a kill
/// of a node already down): the fault did nothing those times.</param>
/// <param name="Ops">Client ops whose interval (invocation to completion, or to the end when never completed)
/// overlapped a window of this kind.</param>
public sealed record FaultCoverageRow(
    string Kind, int Windows, long ActiveNs, IReadOnlyList<string> Nodes, int WindowsWithoutNodes, int Ops, int Ok, int Fail, int Info)
{
    /// <summary>The share of the overlapping ops that succeeded (null with none).</summary>
    public double? Availability => Ops == 0 ? null : (double)Ok / Ops;
}

public static class FaultCoverage
{
    /// <summary>The kind of the last row: client ops that no fault window overlapped.</summary>
    public const string NoFault = "(no fault on)";

    /// <summary>
    /// One row per fault kind in order of first start, then a <see cref="NoFault"/> row. An op is counted once per kind
    /// it overlapped, so the rows' op counts may add up to more than the history's ops. Ops or windows without a time
    /// (-1) cannot be placed and are left out.
    /// </summary>
    public static IReadOnlyList<FaultCoverageRow> Compute(HistoryList history, IReadOnlyList<FaultWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(windows);
        var end = 0L;
        foreach (var op in history) end = Math.Max(end, op.Time);

        var timed = windows.Where(w => w.Start >= 0).ToList();
        var kinds = timed.Select(w => w.Kind).Distinct(StringComparer.Ordinal).ToList();
        var counts = kinds.ToDictionary(k => k, _ => new Counts(), StringComparer.Ordinal);
        var outside = new Counts();

        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (!op.IsClient || !op.IsInvoke || op.Time < 0) continue;
            var c = history.CompletionOf(i);
            var stop = c >= 0 && history[c].Time >= op.Time ? history[c].Time : end;
            var outcome = history.OutcomeOf(i);
            var any = false;
            foreach (var kind in kinds)
            {
                // Windows of one kind are few (one per fault op); a scan per op stays linear in practice.
                if (!timed.Any(w => w.Kind == kind && w.Start <= stop && w.EndOr(end) >= op.Time)) continue;
                counts[kind].Add(outcome);
                any = true;
            }
            if (!any) outside.Add(outcome);
        }

        var rows = new List<FaultCoverageRow>();
        foreach (var kind in kinds)
        {
            var ofKind = timed.Where(w => w.Kind == kind).ToList();
            var hits = ofKind.Select(w => NodesHit(history, w)).ToList();
            var nodes = hits.Where(h => h is not null).SelectMany(h => h!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var c = counts[kind];
            rows.Add(new FaultCoverageRow(kind, ofKind.Count, ofKind.Sum(w => w.EndOr(end) - w.Start), nodes,
                hits.Count(h => h is { Count: 0 }), c.Ops, c.Ok, c.Fail, c.Info));
        }
        rows.Add(new FaultCoverageRow(NoFault, 0, 0, [], 0, outside.Ops, outside.Ok, outside.Fail, outside.Info));
        return rows;
    }

    /// <summary>
    /// The nodes the window's start acted on, read from the nemesis's completion of that start: <c>nodes</c> (kill,
    /// pause, loss, clock strobe), the nodes a partition's <c>grudge</c> cut off from someone, or the nodes a clock
    /// bump moved (<c>offsets</c> other than 0). Null when the completion says nothing we can read.
    /// </summary>
    internal static IReadOnlyList<string>? NodesHit(HistoryList history, FaultWindow window)
    {
        if (window.StartPosition < 0 || window.StartPosition >= history.Count) return null;
        var f = history[window.StartPosition].F;
        for (var i = window.StartPosition; i < history.Count; i++)
        {
            var op = history[i];
            if (op.Process != Op.NemesisProcess || op.F != f || op.IsInvoke) continue;
            return Nodes(op.Value);
        }
        return null;
    }

    private static List<string>? Nodes(Value value)
    {
        if (value.Get("nodes") is { Kind: ValueKind.List or ValueKind.Set } nodes)
            return [.. nodes.Items.Select(n => n.AsText).OfType<string>()];
        if (value.Get("grudge") is { Kind: ValueKind.Map } grudge)
            return [.. grudge.Entries.Where(e => e.Value.Items.Length > 0).Select(e => e.Key.AsText).OfType<string>()];
        if (value.Get("offsets") is { Kind: ValueKind.Map } offsets)
            return [.. offsets.Entries.Where(e => !e.Value.TryGetLong(out var ms) || ms != 0).Select(e => e.Key.AsText).OfType<string>()];
        return null;
    }

    private sealed class Counts
    {
        public int Ops, Ok, Fail, Info;

        public void Add(OpType outcome)
        {
            Ops++;
            switch (outcome)
            {
                case OpType.Ok: Ok++; break;
                case OpType.Fail: Fail++; break;
                default: Info++; break;
            }
        }
    }
}
