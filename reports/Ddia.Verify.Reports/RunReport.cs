using System.Text;
using Ddia.Verify.Reports.Plots;
using Ddia.Verify.Reports.Timeline;
using ScottPlot;

namespace Ddia.Verify.Reports;

/// <summary>
/// Writes the report of one run into its directory: <c>index.html</c> (one self-contained page),
/// <c>timeline.html</c> (every op on a time line, for histories of any size) and the plots it shows (<c>latency.png</c>/<c>.svg</c>, <c>throughput.png</c>/<c>.svg</c>, and
/// <c>replication-lag.png</c>/<c>.svg</c> when the status samples say how far followers are behind). Called once
/// per run, after checking; a crashed run still gets a page. Never throws for what the history or the
/// results contain; a plot that cannot be drawn is named on the page instead.
/// </summary>
public static class RunReport
{
    public const string IndexFile = "index.html";

    private const int PlotWidth = 1100;
    private const int PlotHeight = 420;

    public static ReportFiles Write(ReportInput input, string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(input);
        Directory.CreateDirectory(runDirectory);

        var plots = new List<RenderedPlot>();
        string? plotError = null;
        var timings = input.History is { Count: > 0 } h ? OpTimings.From(h) : null;
        var lag = ReplicationLag.Compute(input.StatusSamples);
        try
        {
            if (timings is { Ops.Count: > 0 })
            {
                plots.Add(Render(LatencyPlot.Build(timings), runDirectory, "latency", "Latency of each completed client op"));
                plots.Add(Render(LatencyQuantilesPlot.Build(timings), runDirectory, "latency-quantiles",
                    "Latency quantiles of ok ops over time (median, 95th and 99th percentile, maximum)"));
                plots.Add(Render(ThroughputPlot.Build(timings), runDirectory, "throughput", "Completions per second"));
            }
            if (lag.Count > 0)
            {
                plots.Add(Render(ReplicationLagPlot.Build(lag, timings), runDirectory, "replication-lag",
                    "Replication lag: how many log entries each follower had not yet applied, behind the leader's last index "
                    + "(sampled from each node's status; a gap: the node did not answer, led then, or no leader answered)"));
            }
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or IOException or InvalidOperationException or ArgumentException)
        {
            // The page matters more than the pictures: a missing native library must not cost the report.
            plotError = $"{e.GetType().Name}: {e.Message}";
        }

        var counts = input.History is { } history ? OpCounts.ByF(history) : [];
        var coverage = input.History is { } hist ? FaultCoverage.Compute(hist, timings?.Faults ?? FaultWindows.Find(hist)) : [];
        var timelineWritten = false;
        if (input.History is { Count: > 0 } ops)
        {
            TimelinePage.Write(ops, timings?.Faults ?? FaultWindows.Find(ops), Path.Combine(runDirectory, TimelinePage.FileName), input.TestName);
            timelineWritten = true;
        }

        var index = Path.Combine(runDirectory, IndexFile);
        var html = ReportPage.Render(input, new PageParts(timings, plots, plotError, counts, coverage, timelineWritten));
        File.WriteAllText(index, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return new ReportFiles(index, [.. plots.SelectMany(p => new[] { Path.Combine(runDirectory, p.Png), Path.Combine(runDirectory, p.Svg) })],
            timelineWritten ? Path.Combine(runDirectory, TimelinePage.FileName) : null);
    }

    private static RenderedPlot Render(Plot plot, string directory, string name, string caption)
    {
        var png = name + ".png";
        var svg = name + ".svg";
        plot.SavePng(Path.Combine(directory, png), PlotWidth, PlotHeight);
        plot.SaveSvg(Path.Combine(directory, svg), PlotWidth, PlotHeight);
        return new RenderedPlot(png, svg, caption);
    }
}

/// <summary>A plot written next to the page: file names relative to the run directory.</summary>
internal sealed record RenderedPlot(string Png, string Svg, string Caption);
