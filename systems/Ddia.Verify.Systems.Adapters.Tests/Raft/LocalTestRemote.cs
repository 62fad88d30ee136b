using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Tests.Raft;

/// <summary>
/// A test-only <see cref="IRemote"/>: every "node" is this machine, commands run directly, daemons are detached
/// with <c>sh</c> (so they outlive no one: <see cref="Dispose"/> kills every daemon it started) and each node gets
/// its own directory under a temporary root. Not the product's local environment (that one uses namespaces).
/// </summary>
internal sealed class LocalTestRemote : IRemote, IDisposable
{
    private readonly List<int> started = [];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "ddia-adapter-tests-" + Guid.NewGuid().ToString("N"));

    public RemoteCapabilities Capabilities => RemoteCapabilities.Exec | RemoteCapabilities.Signals;

    public async ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        return new ExecResult(process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation)
    {
        // sh starts the daemon in the background and exits: the daemon is no child of the test host.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = daemon.WorkingDirectory };
        foreach (var a in (string[])["-c", "log=$1; pid=$2; shift 2; \"$@\" >>\"$log\" 2>&1 </dev/null & echo $! >\"$pid\"", "sh",
                     daemon.LogFile, daemon.PidFile, daemon.Executable])
            info.ArgumentList.Add(a);
        foreach (var a in daemon.Arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in daemon.Environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using (var sh = Process.Start(info)!) await sh.WaitForExitAsync(cancellation);
        var pid = int.Parse((await File.ReadAllTextAsync(daemon.PidFile, cancellation)).Trim(), CultureInfo.InvariantCulture);
        lock (started) started.Add(pid);
        return pid;
    }

    public async ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation) =>
        await ExecAsync(node, ["kill", "-s", signal.ToString().ToUpperInvariant(), pid.ToString(CultureInfo.InvariantCulture)], cancellation);

    public ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation)
    {
        File.Copy(localPath, remotePath, overwrite: true);
        return ValueTask.CompletedTask;
    }

    public ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation)
    {
        File.Copy(remotePath, localPath, overwrite: true);
        return ValueTask.CompletedTask;
    }

    public string NodeDirectory(Node node) => Directory.CreateDirectory(Path.Combine(Root, node.Name)).FullName;

    /// <summary>Whether a daemon is still alive, by the product's rule (a zombie whose threads have all exited is gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            return NodeProcesses.Runs(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        int[] pids;
        lock (started) pids = [.. started];
        foreach (var pid in pids)
        {
            if (!IsAlive(pid)) continue;
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // already gone
            }
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
