using System.Globalization;
using System.Text;

namespace Ddia.Verify.Environments.Local;

/// <summary>What /proc says about a process. Pids are reused, so a pid alone never identifies one: pair it with its start time.</summary>
internal static class Procfs
{
    /// <summary>State letter (R, S, T, Z, …) and start time (clock ticks since boot), or null when the process is gone.</summary>
    public static (char State, long StartTime)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
            return null;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start)
            ? (fields[0][0], start)
            : null;
    }

    public static long? StartTime(int pid) => Stat(pid)?.StartTime;

    /// <summary>True while the process exists and has not exited; a zombie has exited and only waits to be reaped.</summary>
    public static bool IsRunning(int pid, long? startTime = null) =>
        Stat(pid) is { } s && s.State is not ('Z' or 'X' or 'x') && (startTime is null || s.StartTime == startTime);

    /// <summary>Pids of the processes whose environment contains exactly <paramref name="entry"/> (NAME=value).</summary>
    public static List<int> WithEnvironmentEntry(string entry)
    {
        var needle = Encoding.UTF8.GetBytes(entry);
        List<int> found = [];
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            byte[] environ;
            try
            {
                environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;   // gone meanwhile, or another user's process (never ours)
            }
            if (ContainsEntry(environ, needle))
                found.Add(pid);
        }
        return found;
    }

    private static bool ContainsEntry(ReadOnlySpan<byte> environ, ReadOnlySpan<byte> entry)
    {
        while (!environ.IsEmpty)
        {
            var end = environ.IndexOf((byte)0);
            var current = end < 0 ? environ : environ[..end];
            if (current.SequenceEqual(entry))
                return true;
            environ = end < 0 ? [] : environ[(end + 1)..];
        }
        return false;
    }
}
