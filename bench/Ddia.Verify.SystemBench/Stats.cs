using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.History;

namespace Ddia.Verify.SystemBench;

/// <summary>What one system did under the load: ok rate, ok latencies, fail and info counts, CPU spent.</summary>
internal sealed record SystemResult(string System, IReadOnlyList<Sample> Samples, int Seconds, double ServerCpuSeconds, double ClientCpuSeconds)
{
    public double OkPerSecond(string? f = null) => Ok(f).Count() / (double)Seconds;

    public long Count(OpType type) => Samples.LongCount(s => s.Type == type);

    /// <summary>Latency percentile of the ok ops (nearest rank), in ms; NaN without ok ops.</summary>
    public double Percentile(double p, string? f = null)
    {
        var sorted = Ok(f).Select(s => s.LatencyTicks).Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var rank = Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[rank] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Server CPU (all three nodes) per ok op, in ms.</summary>
    public double ServerCpuMsPerOp => ServerCpuSeconds * 1000 / Math.Max(1, Count(OpType.Ok));

    private IEnumerable<Sample> Ok(string? f) => Samples.Where(s => s.Type == OpType.Ok && (f is null || s.F == f));
}

/// <summary>CPU time of processes, from /proc (user + system, in USER_HZ = 100 ticks a second on Linux).</summary>
internal static class Cpu
{
    public static double Seconds(IEnumerable<int> pids) => pids.Sum(Seconds);

    public static double Seconds(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
