using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Plots;

/// <summary>A completed client op, as the plots see it: when it was invoked and completed (ns), how, and which f.</summary>
internal readonly record struct TimedOp(long Invoked, long Completed, OpType Outcome, string F)
{
    public double InvokedSeconds => Invoked / 1e9;
    public double CompletedSeconds => Completed / 1e9;
    public double LatencyMs => (Completed - Invoked) / 1e6;
}

/// <summary>The timing facts of a history that the plots need, extracted once.</summary>
internal sealed record OpTimings(IReadOnlyList<TimedOp> Ops, IReadOnlyList<FaultWindow> Faults, long End)
{
    public double EndSeconds => End / 1e9;

    /// <summary>
    /// Ops without a time (-1, from sources that record none) cannot be placed and are left out; an
    /// invoke that never completed has no latency and is left out too (the report counts it).
    /// </summary>
    public static OpTimings From(HistoryList history)
    {
        var ops = new List<TimedOp>();
        var end = 0L;
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            end = Math.Max(end, op.Time);
            if (!op.IsClient || !op.IsInvoke || op.Time < 0) continue;
            var c = history.CompletionOf(i);
            if (c < 0 || history[c].Time < op.Time) continue;
            ops.Add(new TimedOp(op.Time, history[c].Time, history[c].Type, op.F));
        }
        var faults = FaultWindows.Find(history).Where(w => w.Start >= 0).ToList();
        return new OpTimings(ops, faults, end);
    }
}
