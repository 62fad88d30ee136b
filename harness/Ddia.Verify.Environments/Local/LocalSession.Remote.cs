using System.Globalization;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Local;

/// <summary>
/// <see cref="IRemote"/> over local processes. Nodes share this machine's filesystem and process table: uploads and
/// downloads are copies, and pids are the host's pids. Safe to call concurrently.
/// </summary>
public sealed partial class LocalSession : IRemote
{
    // Positional parameters only, so nothing is ever quoted: $1 pid file, $2 directory, $3 log, then the command.
    // Output goes to the log before anything can fail, so a failed cd or exec is explained there.
    private const string DaemonScript =
        "log=$3; exec </dev/null >>\"$log\" 2>&1; cd \"$2\" || exit 127; echo $$ >\"$1\"; shift 3; exec \"$@\"";

    private static readonly TimeSpan PidFileWait = TimeSpan.FromSeconds(10);

    public RemoteCapabilities Capabilities => namespaces
        ? RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall
        : RemoteCapabilities.Exec | RemoteCapabilities.Signals;

    /// <summary>Runs the command inside the node's namespace (or directly in loopback mode), in the node's directory.</summary>
    public async ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
            throw new ArgumentException("empty command", nameof(command));
        var i = IndexOf(node);
        ThrowIfClosed();
        var info = OnNode(i, command, NodeDirectoryPath(i), null);
        try
        {
            return await ProcessRunner.RunAsync(info, cancellation).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e) when (!namespaces)
        {
            // Same answer as `ip netns exec` gives for a missing command: an exit code, not an exception.
            return new ExecResult(127, "", $"{command[0]}: {e.Message}");
        }
    }

    public async ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var i = IndexOf(node);
        ThrowIfClosed();
        if (!Path.IsPathRooted(daemon.Executable) || !File.Exists(daemon.Executable))
            throw new FileNotFoundException(
                $"daemon executable '{daemon.Executable}' for {node.Name} does not exist (an absolute path is required)",
                daemon.Executable);
        Directory.CreateDirectory(daemon.WorkingDirectory);
        CreateParent(daemon.LogFile);
        CreateParent(daemon.PidFile);
        // A pid file left by an earlier start of this daemon would be read as the new one's.
        File.Delete(daemon.PidFile);

        // setsid --fork: the daemon is its own session and process group leader, and not our child, so it outlives the
        // harness (a later sweep finds it by pid file, marker or namespace) and its group can be killed as a whole.
        string[] command = ["setsid", "--fork", "sh", "-c", DaemonScript, "sh", daemon.PidFile, daemon.WorkingDirectory, daemon.LogFile,
            daemon.Executable, .. daemon.Arguments];
        var info = OnNode(i, command, daemon.WorkingDirectory, daemon.Environment);
        var launched = await ProcessRunner.RunAsync(info, cancellation).ConfigureAwait(false);
        if (!launched.Succeeded)
            throw new EnvironmentCommandException(ProcessRunner.Describe(info), launched);

        var pid = await ReadPidFileAsync(daemon, cancellation).ConfigureAwait(false);
        var start = Procfs.StartTime(pid) ?? 0;
        lock (gate)
        {
            daemons[pid] = start;
            var entry = string.Create(CultureInfo.InvariantCulture, $"{pid} {start}\n");
            File.AppendAllText(SlotTeardown.DaemonRegistry(options.WorkRoot, Slot), entry);
            if (closed)
            {
                // Torn down while we were starting it: it must not outlive the session.
                SlotTeardown.KillAndWait(new Dictionary<int, long> { [pid] = start });
                throw new ObjectDisposedException(nameof(LocalSession));
            }
        }
        return pid;
    }

    /// <summary>Sends the signal to the process (pids are the host's, also inside namespaces); one already gone is fine.</summary>
    public ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation)
    {
        IndexOf(node);
        ArgumentOutOfRangeException.ThrowIfLessThan(pid, 2);   // 0, -1 and 1 address groups, everyone, init
        cancellation.ThrowIfCancellationRequested();
        Native.Kill(pid, (int)signal);
        return ValueTask.CompletedTask;
    }

    public ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation)
    {
        IndexOf(node);
        return Copy(localPath, remotePath, cancellation);
    }

    public ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation)
    {
        IndexOf(node);
        return Copy(remotePath, localPath, cancellation);
    }

    /// <summary>&lt;WorkRoot&gt;/&lt;slot&gt;/&lt;node&gt;; created if it was removed meanwhile.</summary>
    public string NodeDirectory(Node node) => Directory.CreateDirectory(NodeDirectoryPath(IndexOf(node))).FullName;

    private System.Diagnostics.ProcessStartInfo OnNode(int i, IReadOnlyList<string> command, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment)
    {
        IEnumerable<string> argv = namespaces ? ["netns", "exec", Names.Namespace(i), .. command] : command.Skip(1);
        var info = ProcessRunner.StartInfo(namespaces ? "ip" : command[0], argv, workingDirectory, environment);
        // The marker lets teardown and the sweep find every process we started, wherever it went.
        var marker = owner.Marker(Slot).Split('=', 2);
        info.Environment[marker[0]] = marker[1];
        return info;
    }

    private static async Task<int> ReadPidFileAsync(Daemon daemon, CancellationToken cancellation)
    {
        var deadline = Environment.TickCount64 + (long)PidFileWait.TotalMilliseconds;
        while (true)
        {
            // "echo" writes the number and newline in one write: without the newline it is still being written.
            if (File.Exists(daemon.PidFile) && await File.ReadAllTextAsync(daemon.PidFile, cancellation).ConfigureAwait(false) is { } text
                && text.EndsWith('\n') && int.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                return pid;
            if (Environment.TickCount64 > deadline)
                throw new InvalidOperationException($"daemon {daemon.Executable} wrote no pid to {daemon.PidFile} within " +
                    $"{PidFileWait.TotalSeconds:0} s; its log says: {Tail(daemon.LogFile)}");
            await Task.Delay(5, cancellation).ConfigureAwait(false);
        }
    }

    private static string Tail(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Length > 2000 ? text[^2000..] : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(no log: {e.Message})";
        }
    }

    private ValueTask Copy(string from, string to, CancellationToken cancellation)
    {
        ThrowIfClosed();
        cancellation.ThrowIfCancellationRequested();
        CreateParent(to);
        File.Copy(from, to, overwrite: true);
        return ValueTask.CompletedTask;
    }

    private static void CreateParent(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent)
            Directory.CreateDirectory(parent);
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(closed, this);
}
