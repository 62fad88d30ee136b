using System.Globalization;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// <see cref="IRemote"/> over SSH. Every argument is quoted for the remote shell (<see cref="ShellQuote"/>); commands
/// run in the node's directory. Safe to call concurrently.
/// </summary>
public sealed partial class SshSession : IRemote
{
    // Positional parameters only, as in the local environment: $1 pid file, $2 directory, $3 log, then the command.
    // Output goes to the log before anything can fail, so a failed cd or exec is explained there.
    private const string DaemonScript =
        "log=$3; exec </dev/null >>\"$log\" 2>&1; cd \"$2\" || exit 127; echo $$ >\"$1\"; shift 3; exec \"$@\"";

    /// <summary>Exec and signals everywhere; the firewall when every node can run iptables (as root or via sudo -n).</summary>
    public RemoteCapabilities Capabilities => firewall.All(f => f != FirewallAccess.None)
        ? RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall
        : RemoteCapabilities.Exec | RemoteCapabilities.Signals;

    /// <summary>Runs the command in the node's directory; iptables goes through <c>sudo -n</c> for a user that needs it.</summary>
    public async ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
            throw new ArgumentException("empty command", nameof(command));
        ThrowIfClosed();
        return await RunOnNodeAsync(node, command, cancellation).ConfigureAwait(false);
    }

    // ExecAsync without the closed check, for teardown.
    private async Task<ExecResult> RunOnNodeAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        var i = IndexOf(node);
        IReadOnlyList<string> argv = command[0] == "iptables" && firewall[i] == FirewallAccess.Sudo ? ["sudo", "-n", .. command] : command;
        var line = $"cd {ShellQuote.Quote(NodeDirectory(node))} 2>/dev/null; {ShellQuote.Join(argv)}";
        return await connections[i].RunAsync(line, cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the daemon with setsid (its own session and process group, not a child of sshd's shell), stdin from
    /// /dev/null and output appended to its log; waits until it has written its pid file and returns that pid.
    /// </summary>
    public async ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var i = IndexOf(node);
        ThrowIfClosed();
        if (!daemon.Executable.StartsWith('/'))
            throw new ArgumentException($"daemon executable '{daemon.Executable}' for {node.Name} must be an absolute path", nameof(daemon));
        var environment = new List<string> { Marker };
        foreach (var (name, value) in daemon.Environment ?? new Dictionary<string, string>())
        {
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new ArgumentException($"environment variable name '{name}' of daemon {daemon.Executable} is not a valid name", nameof(daemon));
            environment.Add($"{name}={value}");
        }

        var q = ShellQuote.Quote;
        var (pidFile, log, executable) = (q(daemon.PidFile), q(daemon.LogFile), q(daemon.Executable));
        string[] launch = ["setsid", "--fork", "env", .. environment, "sh", "-c", DaemonScript, "sh",
            daemon.PidFile, daemon.WorkingDirectory, daemon.LogFile, daemon.Executable, .. daemon.Arguments];
        // One round trip: check, prepare, launch (its stdio away from the channel, or the command would never end), then
        // wait up to ~10 s for the pid file; "echo" writes it in one write, so a non-empty file is a whole one.
        var script = string.Join(' ',
            $"[ -x {executable} ] || {{ echo \"daemon executable {Escape(daemon.Executable)} does not exist or is not executable\" >&2; exit 127; }};",
            $"mkdir -p {q(daemon.WorkingDirectory)} \"$(dirname {log})\" \"$(dirname {pidFile})\" && rm -f {pidFile} || exit 1;",
            $"{ShellQuote.Join(launch)} </dev/null >/dev/null 2>&1 || exit 1;",
            $"n=0; while [ ! -s {pidFile} ]; do n=$((n+1)); if [ $n -gt 1000 ]; then",
            $"echo \"no pid in {Escape(daemon.PidFile)} after 10 s; the log says:\" >&2; tail -c 2000 {log} >&2; exit 1; fi; sleep 0.01; done;",
            $"cat {pidFile}");
        var result = await connections[i].RunAsync(script, cancellation).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new RemoteCommandException(node, [daemon.Executable, .. daemon.Arguments], result);
        if (!int.TryParse(result.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            throw new SshEnvironmentException($"on {node.Name}: daemon {daemon.Executable} wrote '{result.Stdout.Trim()}' to its pid file, not a pid");
        return pid;
    }

    /// <summary><c>kill -s SIG pid</c> on the node; a process that is already gone is fine.</summary>
    public async ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation)
    {
        var i = IndexOf(node);
        ArgumentOutOfRangeException.ThrowIfLessThan(pid, 2);   // 0, -1 and 1 address groups, everyone, init
        ThrowIfClosed();
        var name = signal switch
        {
            Signal.Kill => "KILL",
            Signal.Stop => "STOP",
            Signal.Cont => "CONT",
            Signal.Term => "TERM",
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, null),
        };
        var target = pid.ToString(CultureInfo.InvariantCulture);
        // Failure counts only while the process still exists (a permission problem, not a race with its death).
        var line = $"kill -s {name} {target} 2>/dev/null || ! [ -e /proc/{target} ] || kill -s {name} {target}";
        var result = await connections[i].RunAsync(line, cancellation).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new RemoteCommandException(node, ["kill", "-s", name, target], result);
    }

    /// <summary>SFTP, creating the remote parent directory; the file keeps its local mode.</summary>
    public async ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        ArgumentNullException.ThrowIfNull(remotePath);
        var i = IndexOf(node);
        ThrowIfClosed();
        if (!File.Exists(localPath))
            throw new FileNotFoundException($"cannot upload {localPath} to {node.Name}: no such file", localPath);
        var parent = remotePath.Contains('/', StringComparison.Ordinal) ? remotePath[..remotePath.LastIndexOf('/')] : "";
        if (parent.Length > 0)
            await this.RunAsync(node, ["mkdir", "-p", parent], cancellation).ConfigureAwait(false);
        await connections[i].UploadAsync(localPath, remotePath, cancellation).ConfigureAwait(false);
    }

    /// <summary>SFTP, creating the local parent directory.</summary>
    public async ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        ArgumentNullException.ThrowIfNull(remotePath);
        var i = IndexOf(node);
        ThrowIfClosed();
        if (Path.GetDirectoryName(Path.GetFullPath(localPath)) is { } parent)
            Directory.CreateDirectory(parent);
        await connections[i].DownloadAsync(remotePath, localPath, cancellation).ConfigureAwait(false);
    }

    /// <summary>&lt;RemoteRoot&gt;/&lt;session&gt;/&lt;node&gt;, created when the session opened.</summary>
    public string NodeDirectory(Node node) => $"{SessionDirectory}/{Nodes[IndexOf(node)].Name}";

    // For a path inside a double-quoted message: the characters special there.
    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "\\$", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal);

    private void ThrowIfClosed()
    {
        lock (gate)
            ObjectDisposedException.ThrowIf(teardown is not null, this);
    }
}
