using System.Globalization;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments.Docker;

/// <summary>
/// Who made a container, network or session directory: the harness process (pid and start time, since pids are reused).
/// Written as labels on everything a session creates and into its directory's name, read by the sweep to tell live
/// sessions from dead ones.
/// </summary>
internal sealed record DockerOwner(int Pid, long StartTime)
{
    /// <summary>Label with the owner ("pid:starttime"); its presence marks an object as ours.</summary>
    public const string OwnerLabel = "ddia-verify.owner";

    /// <summary>Label with the session's name (the network's name; containers are &lt;session&gt;-&lt;node&gt;).</summary>
    public const string SessionLabel = "ddia-verify.session";

    /// <summary>Label with the test's name, for whoever lists containers by hand.</summary>
    public const string TestLabel = "ddia-verify.test";

    public static DockerOwner Current { get; } = new(Environment.ProcessId, Procfs.StartTime(Environment.ProcessId) ?? 0);

    /// <summary>The same process (pid and start time) still runs.</summary>
    public bool IsAlive => Procfs.IsRunning(Pid, StartTime);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid}:{StartTime}");

    /// <summary>The prefix of this owner's session names and directories: ddv-&lt;pid&gt;-&lt;starttime&gt;.</summary>
    public string Prefix => string.Create(CultureInfo.InvariantCulture, $"ddv-{Pid}-{StartTime}");

    /// <summary>Reads a label value or a session name (ddv-pid-starttime-n); null if it is neither.</summary>
    public static DockerOwner? Parse(string? text)
    {
        if (text is null)
            return null;
        var parts = text.StartsWith("ddv-", StringComparison.Ordinal) ? text["ddv-".Length..].Split('-') : text.Split(':');
        return parts.Length >= 2
               && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new DockerOwner(pid, start)
            : null;
    }
}
