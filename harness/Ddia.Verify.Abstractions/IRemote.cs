namespace Ddia.Verify.Abstractions;

/// <summary>
/// The only way to touch a node (DESIGN.md §3): run a command, start a daemon, signal a process, move a
/// file. Nemeses and systems are written once against this; the local (network namespace), Docker and SSH
/// environments implement it. Commands are argument vectors, never shell strings: an implementation that
/// needs a shell quotes every argument itself.
/// </summary>
public interface IRemote
{
    /// <summary>What this environment can do, so that a fault it cannot inject is reported as unavailable, not faked.</summary>
    RemoteCapabilities Capabilities { get; }

    /// <summary>Runs <paramref name="command"/> on <paramref name="node"/> (inside its network namespace, container or
    /// host) and waits for it. A non-zero exit is returned, not thrown; see <see cref="RemoteExtensions.RunAsync"/>.</summary>
    ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation);

    /// <summary>Starts a long-running process on the node, detached from the harness, its output appended to
    /// <see cref="Daemon.LogFile"/>; returns its pid (also written to <see cref="Daemon.PidFile"/>).</summary>
    ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation);

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/> on the node. A process that is
    /// already gone is not an error.</summary>
    ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation);

    /// <summary>Copies a file from the harness's machine to the node.</summary>
    ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation);

    /// <summary>Copies a file from the node to the harness's machine.</summary>
    ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation);

    /// <summary>A directory on the node that belongs to this test alone (data, logs, pid files); it exists.</summary>
    string NodeDirectory(Node node);
}

/// <summary>What an environment can do to its nodes.</summary>
[Flags]
public enum RemoteCapabilities
{
    None = 0,

    /// <summary>Run commands and start daemons on nodes.</summary>
    Exec = 1,

    /// <summary>SIGKILL, SIGSTOP and SIGCONT to a node's processes.</summary>
    Signals = 2,

    /// <summary>iptables in each node's own network stack: partitions and packet loss.</summary>
    Firewall = 4,
}

/// <summary>The signals the harness sends. Values are Linux's numbers.</summary>
public enum Signal
{
    Term = 15,
    Kill = 9,
    Stop = 19,
    Cont = 18,
}

/// <summary>How a command ended.</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A long-running process to start on a node.</summary>
/// <param name="Executable">Absolute path on the node.</param>
/// <param name="Environment">Extra environment variables, or null.</param>
public sealed record Daemon(string Executable, IReadOnlyList<string> Arguments, string WorkingDirectory, string LogFile, string PidFile,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>A command on a node exited non-zero where success was required.</summary>
public sealed class RemoteCommandException(Node node, IReadOnlyList<string> command, ExecResult result)
    : Exception($"on {node.Name}: `{string.Join(' ', command)}` exited {result.ExitCode}: {result.Stderr.Trim()}")
{
    public ExecResult Result { get; } = result;
}

/// <summary>Conveniences over <see cref="IRemote"/>.</summary>
public static class RemoteExtensions
{
    /// <summary>Runs a command that must succeed: a non-zero exit throws <see cref="RemoteCommandException"/>.</summary>
    public static async ValueTask<string> RunAsync(this IRemote remote, Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var result = await remote.ExecAsync(node, command, cancellation).ConfigureAwait(false);
        return result.Succeeded ? result.Stdout : throw new RemoteCommandException(node, command, result);
    }

    public static bool Can(this IRemote remote, RemoteCapabilities capability)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return (remote.Capabilities & capability) == capability;
    }
}

/// <summary>No environment: every action is refused. The default of <see cref="TestContext.Remote"/>.</summary>
public sealed class NoRemote : IRemote
{
    public static NoRemote Instance { get; } = new();
    public RemoteCapabilities Capabilities => RemoteCapabilities.None;
    public ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation) => throw Refused();
    public ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation) => throw Refused();
    public ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation) => throw Refused();
    public ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation) => throw Refused();
    public ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation) => throw Refused();
    public string NodeDirectory(Node node) => throw Refused();
    private static NotSupportedException Refused() => new("this test has no environment (no IRemote): it cannot act on nodes");
}
