using Ddia.Verify.History;
using ScottPlot;

namespace Ddia.Verify.Reports.Plots;

/// <summary>A point per completed client op: x = invocation time, y = latency, coloured by outcome, shaped by f.</summary>
internal static class LatencyPlot
{
    public static Plot Build(OpTimings timings)
    {
        var plot = new Plot();
        FaultShading.Add(plot, timings);
        var axis = new LatencyAxis(timings.Ops.Select(o => o.LatencyMs));

        var fs = timings.Ops.Select(o => o.F).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var type in new[] { OpType.Ok, OpType.Info, OpType.Fail })
        {
            for (var i = 0; i < fs.Count; i++)
            {
                var ops = timings.Ops.Where(o => o.Outcome == type && o.F == fs[i]).ToList();
                if (ops.Count == 0) continue;
                var points = plot.Add.ScatterPoints(
                    ops.Select(o => o.InvokedSeconds).ToArray(), ops.Select(o => axis.Y(o.LatencyMs)).ToArray(), Palette.Of(type));
                points.MarkerShape = Palette.ShapeOf(i);
                points.MarkerSize = 5;
                points.LegendText = $"{fs[i]} {Op.TypeName(type)}";
            }
        }

        axis.Apply(plot);
        plot.Title("Latency");
        plot.XLabel("invocation time (s)");
        plot.Axes.SetLimitsX(0, Math.Max(timings.EndSeconds, 1e-3));
        FaultShading.Label(plot, timings);
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
