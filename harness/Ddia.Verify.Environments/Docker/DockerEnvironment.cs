using Ddia.Verify.Abstractions;
using Docker.DotNet.Models;

namespace Ddia.Verify.Environments.Docker;

/// <summary>
/// Nodes in Docker containers (DESIGN.md §6), through the engine's API (Docker.DotNet, /var/run/docker.sock by default).
/// <para><b>Image.</b> No registry is needed or used. The image is a root filesystem made of host files: the
/// <see cref="DockerEnvironmentOptions.Programs"/> asked for (for example the publish directory of the self-contained node
/// program, or /usr/bin/etcd), the tools every node needs (sh, cat, kill, sleep, mkdir, rm, ls), iptables with its xtables
/// modules, and every library ldd lists for them. Each file keeps its host path, so a system's command line is the same
/// here as in the local environment. It is imported (docker import) as ddia-verify-node:&lt;hash of the files&gt; and reused
/// while the files are unchanged; images are kept (remove them with
/// <c>docker rmi $(docker images -q --filter label=ddia-verify.image)</c>).</para>
/// <para><b>Network.</b> Each session creates its own user-defined bridge network and one container per node on it
/// (CAP_NET_ADMIN, so iptables inside a node cuts it off from peers; docker-init as PID 1 reaping orphans, under it
/// <c>sleep infinity</c>). A node's address is its container's address on that network, which the harness reaches directly
/// from the host. Each node's directory is a host directory of the session bind-mounted at the same path, so node logs
/// and data are plain host files.</para>
/// <para><b>Cleanup.</b> Every container and network carries the labels ddia-verify.owner (harness pid and start time) and
/// ddia-verify.session. Disposing a session force-removes its containers (and with them every process it started), its
/// network and its directory. A harness killed before that leaves them behind: every <see cref="OpenAsync"/> first
/// removes the containers, networks and directories whose owner process is gone.</para>
/// </summary>
public sealed class DockerEnvironment(DockerEnvironmentOptions? options = null) : IEnvironment
{
    /// <summary>Most nodes a session can have.</summary>
    public const int MaxNodes = 100;

    public DockerEnvironmentOptions Options { get; } = options ?? new();

    /// <summary>Connects to the engine (a <see cref="DockerUnavailableException"/> says how to fix a missing one), sweeps
    /// dead sessions' leftovers, makes sure the node image exists and starts <paramref name="nodeCount"/> containers.</summary>
    public async ValueTask<EnvironmentSession> OpenAsync(string testName, int nodeCount, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(testName);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, MaxNodes);
        Options.Validate();
        var control = await DockerControl.ConnectAsync(Options, cancellation).ConfigureAwait(false);
        try
        {
            await SweepAsync(control, Options, cancellation).ConfigureAwait(false);
            var image = await NodeImage.EnsureAsync(control, Options, cancellation).ConfigureAwait(false);
            return await DockerSession.OpenAsync(control, Options, image, testName, nodeCount, cancellation).ConfigureAwait(false);
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    /// <summary>Builds (imports) the node image now unless it exists, and returns its tag: lets a caller pay for it before
    /// the first test.</summary>
    public async Task<string> EnsureImageAsync(CancellationToken cancellation)
    {
        Options.Validate();
        using var control = await DockerControl.ConnectAsync(Options, cancellation).ConfigureAwait(false);
        return await NodeImage.EnsureAsync(control, Options, cancellation).ConfigureAwait(false);
    }

    /// <summary>Removes the containers, networks and session directories whose owner process has died; returns how many
    /// dead sessions were swept. Runs at the start of every <see cref="OpenAsync"/>.</summary>
    public static async Task<int> SweepLeftoversAsync(DockerEnvironmentOptions? options, CancellationToken cancellation)
    {
        options ??= new DockerEnvironmentOptions();
        options.Validate();
        using var control = await DockerControl.ConnectAsync(options, cancellation).ConfigureAwait(false);
        return await SweepAsync(control, options, cancellation).ConfigureAwait(false);
    }

    private static async Task<int> SweepAsync(DockerControl control, DockerEnvironmentOptions options, CancellationToken cancellation)
    {
        var ours = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [DockerLabels.Owner] = true } };
        var sessions = new HashSet<string>(StringComparer.Ordinal);

        var containers = await control.RunAsync(async c => await control.Client.Containers.ListContainersAsync(
            new ContainersListParameters { All = true, Filters = ours }, c).ConfigureAwait(false), cancellation).ConfigureAwait(false);
        var dead = containers.Where(x => IsDead(x.Labels)).ToList();
        await Task.WhenAll(dead.Select(x => BestEffort(() => DockerSession.RemoveContainerAsync(control, x.ID, cancellation)))).ConfigureAwait(false);
        sessions.UnionWith(dead.Select(x => x.Labels[DockerLabels.Session]));

        var networks = await control.RunAsync(async c => await control.Client.Networks.ListNetworksAsync(
            new NetworksListParameters { Filters = ours }, c).ConfigureAwait(false), cancellation).ConfigureAwait(false);
        foreach (var network in networks.Where(n => IsDead(n.Labels)))
            if (await BestEffort(() => DockerSession.RemoveNetworkAsync(control, network.ID, cancellation)).ConfigureAwait(false))
                sessions.Add(network.Name);

        if (Directory.Exists(options.WorkRoot))
            foreach (var directory in Directory.EnumerateDirectories(options.WorkRoot, "ddv-*"))
                if (HarnessProcess.Parse(Path.GetFileName(directory)) is { IsAlive: false }
                    && await BestEffort(() => Task.Run(() => Directory.Delete(directory, recursive: true), cancellation)).ConfigureAwait(false))
                    sessions.Add(Path.GetFileName(directory));
        return sessions.Count;
    }

    /// <summary>A leftover that cannot be removed now (the engine refuses, a file is busy) must not stop a new session: the
    /// next sweep tries again.</summary>
    private static async Task<bool> BestEffort(Func<Task> removal)
    {
        try
        {
            await removal().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsDead(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(DockerLabels.Owner, out var owner) && labels.ContainsKey(DockerLabels.Session)
        && HarnessProcess.Parse(owner) is { IsAlive: false };
}
