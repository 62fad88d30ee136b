using ScottPlot;
using ScottPlot.TickGenerators;

namespace Ddia.Verify.Reports.Plots;

/// <summary>Replication lag over time: a line per follower (entries behind the leader), broken where it has no value.</summary>
internal static class ReplicationLagPlot
{
    public static Plot Build(IReadOnlyDictionary<string, IReadOnlyList<LagPoint>> lag, OpTimings? timings)
    {
        var plot = new Plot();
        var end = Math.Max(timings?.End ?? 0, lag.Values.SelectMany(p => p).Select(p => p.Time).DefaultIfEmpty(0).Max());
        // A fault never stopped lasted to the end of sampling, which may be after the last op.
        if (timings is not null) FaultShading.Add(plot, timings with { End = end });

        var index = 0;
        foreach (var (node, points) in lag.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var colour = Palette.OfNode(index);
            var shape = Palette.ShapeOf(index);
            index++;
            var labelled = false;
            // One scatter per unbroken run of values: a gap (no answer, leading, no leader) must not be bridged.
            foreach (var run in Runs(points))
            {
                var line = plot.Add.Scatter(run.Select(p => p.Time / 1e9).ToArray(), run.Select(p => (double)p.Entries!.Value).ToArray(), colour);
                line.LineWidth = 2;
                line.MarkerSize = 4;
                line.MarkerShape = shape;
                if (!labelled) line.LegendText = node;
                labelled = true;
            }
        }

        var values = lag.Values.SelectMany(p => p).Where(p => p.Entries is not null).Select(p => p.Entries!.Value).ToList();
        double low = Math.Min(0, values.Min()), high = Math.Max(1, values.Max());
        var pad = (high - low) * 0.05;
        plot.Axes.SetLimits(0, Math.Max(end / 1e9, 1e-3), low - pad, high + pad);
        if (timings is not null) FaultShading.Label(plot, timings, high + pad);
        plot.Axes.Left.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
        plot.Title("Replication lag");
        plot.XLabel("time (s)");
        plot.YLabel("entries behind the leader");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>The maximal runs of consecutive points that have a value.</summary>
    internal static IEnumerable<List<LagPoint>> Runs(IReadOnlyList<LagPoint> points) => LineRuns.Of(points, p => p.Entries is not null);
}
