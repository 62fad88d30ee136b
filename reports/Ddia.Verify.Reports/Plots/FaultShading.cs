using ScottPlot;

namespace Ddia.Verify.Reports.Plots;

/// <summary>Fault windows on a time plot: shaded spans behind the data, one legend entry and one colour per kind (nemesis
/// package), and each span labelled with its kind at the top of the plot.</summary>
internal static class FaultShading
{
    // Past this many windows the labels would overlap into a smear; the legend and colours still tell the kinds apart.
    private const int MaxLabels = 40;

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

    /// <summary>Writes each window's kind at its start, along the top edge. Call after the data and the axes are set:
    /// the top is known only then.</summary>
    public static void Label(Plot plot, OpTimings timings, double? top = null)
    {
        if (timings.Faults.Count is 0 or > MaxLabels) return;
        if (top is null) plot.Axes.AutoScaleY();
        top ??= plot.Axes.GetLimits().Top;
        foreach (var w in timings.Faults)
        {
            var text = plot.Add.Text(w.Kind, w.Start / 1e9, top.Value);
            text.LabelFontSize = 11;
            text.LabelFontColor = Palette.OfFault(w.Kind).Darken(0.4);
            text.LabelAlignment = Alignment.UpperLeft;
            text.LabelOffsetX = 2;
            text.LabelOffsetY = 2;
        }
    }
}
