using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Ddia.Verify.Reports.Plots;

/// <summary>
/// The latency axis the latency plots share: linear, or log10 when latencies spread over more than 20× (a linear
/// axis would flatten the fast ops to a line). Values are mapped with <see cref="Y"/> and labelled in ms.
/// </summary>
internal sealed class LatencyAxis
{
    private const double LogScaleSpread = 20;
    private readonly double floor;

    public LatencyAxis(IEnumerable<double> latenciesMs)
    {
        var positive = latenciesMs.Where(l => l > 0).ToList();
        floor = positive.Count > 0 ? positive.Min() : 1;
        IsLog = positive.Count > 0 && positive.Max() / floor > LogScaleSpread;
    }

    public bool IsLog { get; }

    public double Y(double ms) => IsLog ? Math.Log10(Math.Max(ms, floor)) : ms;

    public void Apply(Plot plot)
    {
        if (IsLog)
        {
            plot.Axes.Left.TickGenerator = new NumericAutomatic
            {
                MinorTickGenerator = new LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("#,0.###", CultureInfo.InvariantCulture),
            };
        }
        plot.YLabel(IsLog ? "latency (ms, log scale)" : "latency (ms)");
    }
}
