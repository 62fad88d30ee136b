using System.Globalization;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments;

/// <summary>
/// A harness process on this machine (pid and start time, since pids are reused): the owner of what a session creates
/// (Docker labels and session directories, the owner file of an ssh session), read by the next harness's sweep to tell
/// live sessions from those a killed harness left behind.
/// </summary>
internal sealed record HarnessProcess(int Pid, long StartTime)
{
    public static HarnessProcess Current { get; } = new(Environment.ProcessId, Procfs.StartTime(Environment.ProcessId) ?? 0);

    /// <summary>The same process (pid and start time) still runs.</summary>
    public bool IsAlive => Procfs.IsRunning(Pid, StartTime);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid}:{StartTime}");

    /// <summary>The prefix of this owner's session names and directories: ddv-&lt;pid&gt;-&lt;starttime&gt;.</summary>
    public string Prefix => string.Create(CultureInfo.InvariantCulture, $"ddv-{Pid}-{StartTime}");

    /// <summary>Reads "pid:starttime" or a session name (ddv-pid-starttime-n); null if it is neither.</summary>
    public static HarnessProcess? Parse(string? text)
    {
        if (text is null)
            return null;
        var parts = text.StartsWith("ddv-", StringComparison.Ordinal) ? text["ddv-".Length..].Split('-') : text.Split(':');
        return parts.Length >= 2
               && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new HarnessProcess(pid, start)
            : null;
    }
}
