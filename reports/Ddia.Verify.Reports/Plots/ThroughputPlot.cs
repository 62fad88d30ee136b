using Ddia.Verify.History;
using ScottPlot;

namespace Ddia.Verify.Reports.Plots;

/// <summary>Completions per second over time, one line per outcome (ok / fail / info).</summary>
internal static class ThroughputPlot
{
    public static Plot Build(OpTimings timings)
    {
        var plot = new Plot();
        FaultShading.Add(plot, timings);

        var bucket = BucketSeconds(timings.EndSeconds);
        // A last bucket much shorter than the others would show a false drop: its few ops go to the one before.
        var buckets = Math.Max(1, (int)Math.Round(timings.EndSeconds / bucket));
        var xs = Enumerable.Range(0, buckets + 1).Select(b => b * bucket).ToArray();
        foreach (var type in new[] { OpType.Ok, OpType.Fail, OpType.Info })
        {
            var counts = new double[buckets + 1];
            var any = false;
            foreach (var op in timings.Ops.Where(o => o.Outcome == type))
            {
                counts[Math.Min(buckets - 1, (int)(op.CompletedSeconds / bucket))] += 1 / bucket;
                any = true;
            }
            if (!any) continue;
            counts[buckets] = counts[buckets - 1];   // the step line's last step needs an end point
            var line = plot.Add.Scatter(xs, counts, Palette.Of(type));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = Op.TypeName(type);
        }

        plot.Title("Throughput");
        plot.XLabel("completion time (s)");
        plot.YLabel(bucket == 1 ? "completions / s" : $"completions / s (per {Html.Invariant($"{bucket:0.###}")} s)");
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsX(0, Math.Max(timings.EndSeconds, 1e-3));
        FaultShading.Label(plot, timings);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>One-second buckets, as Jepsen's rate plot, unless the run is too short to show a shape with them.</summary>
    internal static double BucketSeconds(double runSeconds) =>
        runSeconds >= 20 ? 1 : Math.Max(runSeconds / 20, 1e-6);
}
