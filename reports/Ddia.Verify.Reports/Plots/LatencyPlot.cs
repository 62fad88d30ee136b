using System.Globalization;
using Ddia.Verify.History;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Ddia.Verify.Reports.Plots;

/// <summary>A point per completed client op: x = invocation time, y = latency, coloured by outcome, shaped by f.</summary>
internal static class LatencyPlot
{
    // Past this ratio between the slowest and the fastest op a linear axis flattens the fast ones to a line.
    private const double LogScaleSpread = 20;

    public static Plot Build(OpTimings timings)
    {
        var plot = new Plot();
        FaultShading.Add(plot, timings);

        var latencies = timings.Ops.Select(o => o.LatencyMs).Where(l => l > 0).ToList();
        var floor = latencies.Count > 0 ? latencies.Min() : 1;
        var log = latencies.Count > 0 && latencies.Max() / floor > LogScaleSpread;
        double Y(double ms) => log ? Math.Log10(Math.Max(ms, floor)) : ms;

        var fs = timings.Ops.Select(o => o.F).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var type in new[] { OpType.Ok, OpType.Info, OpType.Fail })
        {
            for (var i = 0; i < fs.Count; i++)
            {
                var ops = timings.Ops.Where(o => o.Outcome == type && o.F == fs[i]).ToList();
                if (ops.Count == 0) continue;
                var points = plot.Add.ScatterPoints(
                    ops.Select(o => o.InvokedSeconds).ToArray(), ops.Select(o => Y(o.LatencyMs)).ToArray(), Palette.Of(type));
                points.MarkerShape = Palette.ShapeOf(i);
                points.MarkerSize = 5;
                points.LegendText = $"{fs[i]} {Op.TypeName(type)}";
            }
        }

        if (log)
        {
            plot.Axes.Left.TickGenerator = new NumericAutomatic
            {
                MinorTickGenerator = new LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("#,0.###", CultureInfo.InvariantCulture),
            };
        }
        plot.Title("Latency");
        plot.XLabel("invocation time (s)");
        plot.YLabel(log ? "latency (ms, log scale)" : "latency (ms)");
        plot.Axes.SetLimitsX(0, Math.Max(timings.EndSeconds, 1e-3));
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
