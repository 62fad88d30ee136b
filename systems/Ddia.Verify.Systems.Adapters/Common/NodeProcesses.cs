using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>Whether processes on a node still run, asked through <see cref="IRemote"/> (so it holds on every environment).</summary>
internal static class NodeProcesses
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until none of <paramref name="pids"/> runs: gone, or a zombie (which has closed its files and
    /// sockets; the daemons are not our children, so their reaping is not ours to wait for). False after
    /// <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitGoneAsync(IRemote remote, Node node, IReadOnlyList<int> pids, TimeSpan timeout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var running = false;
            foreach (var pid in pids) running |= await RunsAsync(remote, node, pid, cancellation).ConfigureAwait(false);
            if (!running) return true;
            if (deadline.Elapsed > timeout) return false;
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    private static async Task<bool> RunsAsync(IRemote remote, Node node, int pid, CancellationToken cancellation)
    {
        var stat = await remote.ExecAsync(node, ["cat", string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat")], cancellation)
            .ConfigureAwait(false);
        // The state follows the command name, which is in parentheses and may contain anything.
        return stat.Succeeded && stat.Stdout.LastIndexOf(')') is var close and >= 0 && close + 2 < stat.Stdout.Length
               && stat.Stdout[close + 2] != 'Z';
    }
}
