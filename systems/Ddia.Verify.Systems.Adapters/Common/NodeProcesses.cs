using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>Whether processes on a node still run, asked through <see cref="IRemote"/> (so it holds on every environment).</summary>
internal static class NodeProcesses
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until none of <paramref name="pids"/> runs: gone, or a zombie whose threads have all exited (so it
    /// has closed its files and sockets; the daemons are not our children, so their reaping is not ours to wait for).
    /// False after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitGoneAsync(IRemote remote, Node node, IReadOnlyList<int> pids, TimeSpan timeout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var deadline = Stopwatch.StartNew();
        while (await AnyRunsAsync(remote, node, pids, cancellation).ConfigureAwait(false))
        {
            if (deadline.Elapsed > timeout) return false;
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Sends <paramref name="signal"/> to every one of <paramref name="pids"/>, in their order, with one command:
    /// <see cref="IRemote.SignalAsync"/> per pid costs a docker exec or an ssh round trip each, and a server has dozens of
    /// processes. Those already gone are skipped.</summary>
    public static async Task SignalAllAsync(IRemote remote, Node node, Signal signal, IReadOnlyList<int> pids, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (pids.Count == 0) return;
        // kill(1) signals every pid it can, in order, and exits non-zero if one is gone: nothing to report.
        await remote.ExecAsync(node, ["kill", string.Create(CultureInfo.InvariantCulture, $"-{(int)signal}"), .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))],
            cancellation).ConfigureAwait(false);
    }

    /// <summary>Whether any of the processes runs, read from their /proc stat files in one command.</summary>
    private static async Task<bool> AnyRunsAsync(IRemote remote, Node node, IReadOnlyList<int> pids, CancellationToken cancellation)
    {
        if (pids.Count == 0) return false;
        // cat prints the stat line of every process that exists, and exits non-zero when one does not.
        var stat = await remote.ExecAsync(node, ["cat", .. pids.Select(p => string.Create(CultureInfo.InvariantCulture, $"/proc/{p}/stat"))], cancellation)
            .ConfigureAwait(false);
        return stat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Any(Runs);
    }

    /// <summary>Whether the process of a /proc/PID/stat line still runs. A killed multi-threaded daemon (etcd, the node
    /// program) shows its main thread as a zombie while its other threads are still exiting, and the last of them closes
    /// the process's sockets: only a zombie with one thread left is done with them.</summary>
    internal static bool Runs(string statLine)
    {
        // The fields after the command name (in parentheses, and it may hold spaces and parentheses of its own): state
        // first, the thread count 17 fields on (proc(5)'s fields 3 and 20).
        var close = statLine.LastIndexOf(')');
        if (close < 0) return true;
        var fields = statLine[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 18) return true;
        return fields[0] != "Z" || !int.TryParse(fields[17], NumberStyles.None, CultureInfo.InvariantCulture, out var threads) || threads > 1;
    }
}
