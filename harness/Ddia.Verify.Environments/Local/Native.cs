using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Ddia.Verify.Environments.Local;

/// <summary>The one libc call we need: signals go to pids (and process groups), which .NET's Process cannot do.</summary>
internal static class Native
{
    private const int Esrch = 3;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int sig);

    /// <summary>Sends <paramref name="signal"/>; false when no such process (or group) exists, which callers treat as done.</summary>
    /// <remarks>A negative <paramref name="pid"/> addresses the process group -pid.</remarks>
    public static bool Kill(int pid, int signal)
    {
        if (kill(pid, signal) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        return errno == Esrch
            ? false
            : throw new Win32Exception(errno, $"kill({pid}, {signal}) failed: {new Win32Exception(errno).Message}");
    }

    /// <summary>Best effort for teardown: never throws.</summary>
    public static void TryKill(int pid, int signal)
    {
        if (pid is 0 or 1 or -1)
            return;   // my group, init, everyone: never what a stale pid file should cause
        _ = kill(pid, signal);
    }
}
