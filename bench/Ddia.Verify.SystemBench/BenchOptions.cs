using System.Globalization;

namespace Ddia.Verify.SystemBench;

/// <summary>The command line: <c>--clients N --seconds N --warmup N --out PATH --rounds N --raft-read-index on|off</c>.</summary>
internal sealed record BenchOptions
{
    public int Clients { get; init; } = 16;
    public int Seconds { get; init; } = 20;
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);
    public string Output { get; init; } = "bench/RAFT-VS-ETCD.md";
    public int Keys { get; init; } = 100;

    /// <summary>Each round runs every system once, in the same order; per system the median round (by ok ops/s) is
    /// reported, so that a burst of other load on the machine does not decide the comparison.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Also measure Raft with ReadIndex reads, the read path etcd's linearizable range uses.</summary>
    public bool RaftReadIndex { get; init; } = true;

    /// <summary>Diagnostics: extra Raft (log reads) rows, each started with one more environment variable NAME=VALUE
    /// (ddia-node inherits the benchmark's environment), to measure a runtime knob without changing the node.</summary>
    public IReadOnlyList<string> RaftEnvironments { get; init; } = [];

    /// <summary>Diagnostics: an extra Raft (log reads) row with every client bound to the leader, i.e. without the
    /// followers' HTTP forwarding hop.</summary>
    public bool RaftLeaderBound { get; init; }

    /// <summary>An op that takes longer is abandoned and counted as info, as the harness's op timeout does.</summary>
    public TimeSpan OpTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--clients" => options with { Clients = Positive(args[i], value) },
                "--seconds" => options with { Seconds = Positive(args[i], value) },
                "--out" => options with { Output = value },
                "--warmup" => options with { WarmUp = TimeSpan.FromSeconds(Positive(args[i], value)) },
                "--raft-env" when value.Contains('=', StringComparison.Ordinal) => options with { RaftEnvironments = [.. options.RaftEnvironments, value] },
                "--raft-leader-bound" => options with { RaftLeaderBound = OnOff(args[i], value) },
                "--rounds" => options with { Rounds = Positive(args[i], value) },
                "--raft-read-index" => options with { RaftReadIndex = OnOff(args[i], value) },
                _ => throw new ArgumentException($"unknown option {args[i]}; options: --clients N (16), --seconds N (20), --warmup N (3), --out PATH, --rounds N (1), --raft-read-index on|off (on); diagnostics: --raft-env NAME=VALUE (repeatable), --raft-leader-bound on|off (off)"),
            };
            i++;
        }
        return options;
    }

    private static bool OnOff(string name, string value) =>
        value switch { "on" => true, "off" => false, _ => throw new ArgumentException($"{name} takes on or off, not '{value}'") };

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive integer, not '{value}'");
}
