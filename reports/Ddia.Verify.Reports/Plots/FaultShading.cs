using ScottPlot;

namespace Ddia.Verify.Reports.Plots;

internal static class FaultShading
{
    /// <summary>Shades each fault window behind the data, one legend entry per kind.</summary>
    public static void Add(Plot plot, OpTimings timings)
    {
        var labelled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in timings.Faults)
        {
            var end = w.EndOr(timings.End) / 1e9;
            var span = plot.Add.HorizontalSpan(w.Start / 1e9, end, Palette.OfFault(w.Kind).WithAlpha(0.18));
            span.LineStyle.Width = 0;
            if (labelled.Add(w.Kind)) span.LegendText = $"fault: {w.Kind}";
        }
    }
}
