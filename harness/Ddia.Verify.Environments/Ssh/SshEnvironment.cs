using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// Nodes on hosts reached over SSH (DESIGN.md §6), as Jepsen does: node i is line i of the nodes file, its address the
/// host as written there. Host keys are checked against known_hosts unless told otherwise. Each session gets its own
/// directory on every host and removes it, its processes and its firewall rules when disposed.
/// </summary>
public sealed class SshEnvironment(SshEnvironmentOptions options) : IEnvironment
{
    public SshEnvironmentOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Reads the nodes file, connects to the first <paramref name="nodeCount"/> hosts (in parallel), checks what
    /// each can do and creates the session's directories.</summary>
    public async ValueTask<EnvironmentSession> OpenAsync(string testName, int nodeCount, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(testName);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        Options.Validate();
        var hosts = NodesFile.Read(Options.NodesFile);
        if (hosts.Count < nodeCount)
            throw new NodesFileException($"{Options.NodesFile}: the test needs {nodeCount} nodes but the file lists {hosts.Count} " +
                $"host{(hosts.Count == 1 ? "" : "s")}; add {nodeCount - hosts.Count} more line(s) of 'host port user keyfile'");
        var knownHosts = Options.StrictHostKeyChecking ? KnownHosts.Load(Options.KnownHostsFile) : null;
        return await SshSession.OpenAsync(Options, knownHosts, [.. hosts.Take(nodeCount)], testName, cancellation).ConfigureAwait(false);
    }
}
