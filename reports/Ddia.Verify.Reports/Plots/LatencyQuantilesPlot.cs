using Ddia.Verify.History;
using ScottPlot;

namespace Ddia.Verify.Reports.Plots;

/// <summary>
/// Latency quantiles over time (Jepsen's latency-quantiles graph): for each time bucket of invocations, the median,
/// 95th and 99th percentile and maximum latency of the ok ops of each f. One colour per quantile and, when there are
/// several fs, one marker shape per f (not dash patterns: Skia's SVG canvas draws no dashes, so the SVG would lose them);
/// a bucket without ok ops of that f breaks the line.
/// </summary>
internal static class LatencyQuantilesPlot
{
    private static readonly (double Q, string Name, string Hex)[] Quantiles =
    [
        (0.5, "p50", "#1f77b4"), (0.95, "p95", "#ff7f0e"), (0.99, "p99", "#d62728"), (1.0, "max", "#555555"),
    ];

    private static readonly MarkerShape[] Shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];

    public static Plot Build(OpTimings timings)
    {
        var plot = new Plot();
        FaultShading.Add(plot, timings);
        var ok = timings.Ops.Where(o => o.Outcome == OpType.Ok).ToList();
        var axis = new LatencyAxis(ok.Select(o => o.LatencyMs));
        var bucket = ThroughputPlot.BucketSeconds(timings.EndSeconds);
        var buckets = Math.Max(1, (int)Math.Ceiling(timings.EndSeconds / bucket));

        var fs = ok.Select(o => o.F).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        for (var fi = 0; fi < fs.Count; fi++)
        {
            var latencies = new List<double>[buckets];
            foreach (var op in ok.Where(o => o.F == fs[fi]))
                (latencies[Math.Min(buckets - 1, (int)(op.InvokedSeconds / bucket))] ??= []).Add(op.LatencyMs);
            foreach (var l in latencies) l?.Sort();

            foreach (var (q, name, hex) in Quantiles)
            {
                var labelled = false;
                foreach (var run in LineRuns.Of(Enumerable.Range(0, buckets), b => latencies[b] is { Count: > 0 }))
                {
                    var line = plot.Add.Scatter(
                        run.Select(b => (b + 0.5) * bucket).ToArray(),
                        run.Select(b => axis.Y(OpCounts.Quantile(latencies[b]!, q)!.Value)).ToArray(),
                        Color.FromHex(hex));
                    line.LineWidth = 2;
                    line.MarkerShape = Shapes[fi % Shapes.Length];
                    // A lone bucket would draw nothing as a line.
                    line.MarkerSize = fs.Count > 1 ? 6 : run.Count == 1 ? 5 : 0;
                    if (!labelled) line.LegendText = fs.Count == 1 ? name : $"{fs[fi]} {name}";
                    labelled = true;
                }
            }
        }

        axis.Apply(plot);
        plot.Title("Latency quantiles (ok ops)");
        plot.XLabel(bucket == 1 ? "invocation time (s), per second" : $"invocation time (s), per {Html.Invariant($"{bucket:0.###}")} s");
        plot.Axes.SetLimitsX(0, Math.Max(timings.EndSeconds, 1e-3));
        FaultShading.Label(plot, timings);
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
