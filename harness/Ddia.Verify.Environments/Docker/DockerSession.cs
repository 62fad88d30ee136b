using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Ddia.Verify.Abstractions;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Ddia.Verify.Environments.Docker;

/// <summary>
/// One open Docker environment: a bridge network named <see cref="Name"/>, containers &lt;Name&gt;-n1…nN on it and the host
/// directory <see cref="WorkDirectory"/> with one bind-mounted directory per node. Disposing removes all of it; so does
/// the next <see cref="DockerEnvironment.OpenAsync"/> if this process dies first.
/// </summary>
public sealed partial class DockerSession : EnvironmentSession
{
    private static readonly TimeSpan TeardownTimeout = TimeSpan.FromMinutes(2);
    private static int sessions;

    private readonly DockerControl control;
    private readonly DockerEnvironmentOptions options;
    private readonly string image;
    private readonly Dictionary<string, int> indexByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> labels;
    private readonly List<string> limitations = [];
    private readonly List<string> teardownErrors = [];
    private readonly Lazy<Task> teardown;
    private string[] containers = [];
    private ImmutableArray<Node> nodes = [];
    private bool firewall;

    private DockerSession(DockerControl control, DockerEnvironmentOptions options, string image, string testName)
    {
        this.control = control;
        this.options = options;
        this.image = image;
        var owner = HarnessProcess.Current;
        Name = string.Create(CultureInfo.InvariantCulture, $"{owner.Prefix}-{Interlocked.Increment(ref sessions)}");
        WorkDirectory = Path.Combine(options.WorkRoot, Name);
        labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DockerLabels.Owner] = owner.ToString(),
            [DockerLabels.Session] = Name,
            [DockerLabels.Test] = testName,
        };
        teardown = new Lazy<Task>(TearDownAsync);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The network's name; containers are &lt;Name&gt;-n1…; every object carries it as label ddia-verify.session.</summary>
    public string Name { get; }

    /// <summary>&lt;WorkRoot&gt;/&lt;Name&gt; on the host: the parent of every node directory.</summary>
    public string WorkDirectory { get; }

    /// <summary>The node image (ddia-verify-node:&lt;hash&gt;).</summary>
    public string Image => image;

    public override ImmutableArray<Node> Nodes => nodes;

    public override IRemote Remote => this;

    public override IReadOnlyList<string> Limitations => limitations;

    /// <summary>What went wrong during teardown (each step is best effort); empty after a clean teardown.</summary>
    public IReadOnlyList<string> TeardownErrors
    {
        get
        {
            lock (teardownErrors)
                return [.. teardownErrors];
        }
    }

    /// <summary>The container id of <paramref name="node"/>.</summary>
    public string ContainerOf(Node node) => containers[IndexOf(node)];

    internal static async Task<DockerSession> OpenAsync(DockerControl control, DockerEnvironmentOptions options, string image,
        string testName, int nodeCount, CancellationToken cancellation)
    {
        var session = new DockerSession(control, options, image, testName);
        try
        {
            await session.SetUpAsync(nodeCount, cancellation).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task SetUpAsync(int nodeCount, CancellationToken cancellation)
    {
        containers = new string[nodeCount + 1];
        for (var i = 1; i <= nodeCount; i++)
        {
            indexByName[NodeName(i)] = i;
            Directory.CreateDirectory(NodeDirectoryPath(i));
        }
        firewall = options.Firewall && NodeImage.HostHasIptables;
        if (!firewall)
            limitations.Add(options.Firewall
                ? "partitions and packet loss are unavailable: this host has no iptables (/usr/sbin/iptables) to put into the node image"
                : "partitions and packet loss are unavailable: DockerEnvironmentOptions.Firewall is false, so the node image has no iptables");

        await control.RunAsync(async c =>
        {
            try
            {
                await control.Client.Networks.CreateNetworkAsync(new NetworksCreateParameters
                {
                    Name = Name,
                    Driver = "bridge",
                    CheckDuplicate = true,
                    Labels = labels,
                }, c).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                // An earlier attempt created it and its answer was lost: the name is this session's alone.
            }
        }, cancellation).ConfigureAwait(false);

        var addresses = await Task.WhenAll(Enumerable.Range(1, nodeCount).Select(i => StartNodeAsync(i, cancellation))).ConfigureAwait(false);
        nodes = [.. addresses.Select((address, k) => new Node(NodeName(k + 1), address))];
    }

    /// <summary>Creates and starts node <paramref name="i"/>'s container; returns its address on the session's network.</summary>
    private async Task<string> StartNodeAsync(int i, CancellationToken cancellation)
    {
        var name = ContainerName(i);
        var directory = NodeDirectoryPath(i);
        var parameters = new CreateContainerParameters
        {
            Name = name,
            Image = image,
            Hostname = NodeName(i),
            Cmd = ["sleep", "infinity"],
            Labels = labels,
            HostConfig = new HostConfig
            {
                // docker-init as PID 1 reaps the daemons we start (their parent shell exits at once), so a killed daemon is gone, not a zombie.
                Init = true,
                CapAdd = ["NET_ADMIN"],
                NetworkMode = Name,
                Binds = [$"{directory}:{directory}"],
            },
        };
        var id = await control.RunAsync(async c =>
        {
            try
            {
                return (await control.Client.Containers.CreateContainerAsync(parameters, c).ConfigureAwait(false)).ID;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                return (await control.Client.Containers.InspectContainerAsync(name, c).ConfigureAwait(false)).ID;   // an earlier attempt made it
            }
        }, cancellation).ConfigureAwait(false);
        containers[i] = id;
        await control.RunAsync(async c => await control.Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), c)
            .ConfigureAwait(false), cancellation).ConfigureAwait(false);
        var inspected = await control.RunAsync(async c => await control.Client.Containers.InspectContainerAsync(id, c).ConfigureAwait(false),
            cancellation).ConfigureAwait(false);
        return inspected.NetworkSettings.Networks.TryGetValue(Name, out var endpoint) && !string.IsNullOrEmpty(endpoint.IPAddress)
            ? endpoint.IPAddress
            : throw new InvalidOperationException($"container {name} has no address on network {Name}");
    }

    /// <summary>Force-removes every container of the session (killing what runs in them), its network and its host
    /// directory. Idempotent; never throws; problems go to <see cref="TeardownErrors"/>.</summary>
    public override async ValueTask DisposeAsync() => await teardown.Value.ConfigureAwait(false);

    private async Task TearDownAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        using var timeout = new CancellationTokenSource(TeardownTimeout);
        var cancellation = timeout.Token;
        try
        {
            // By label, not by the ids we hold: a create whose answer was lost, or a set-up cut short, leaves containers too.
            var mine = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.Session}={Name}"] = true },
            };
            var listed = await control.RunAsync(async c => await control.Client.Containers.ListContainersAsync(
                new ContainersListParameters { All = true, Filters = mine }, c).ConfigureAwait(false), cancellation).ConfigureAwait(false);
            var ids = listed.Select(x => x.ID).Union(containers.Where(id => id is not null), StringComparer.Ordinal);
            await Task.WhenAll(ids.Select(id => Step($"remove container {id}", () => RemoveContainerAsync(control, id, cancellation))))
                .ConfigureAwait(false);
            await Step($"remove network {Name}", () => RemoveNetworkAsync(control, Name, cancellation)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            AddError($"list containers: {e.Message}");
        }
        await Step($"delete {WorkDirectory}", () =>
        {
            if (Directory.Exists(WorkDirectory))
                Directory.Delete(WorkDirectory, recursive: true);
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        control.Dispose();
    }

    private async Task Step(string what, Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            AddError($"{what}: {e.Message}");
        }
    }

    private void AddError(string error)
    {
        lock (teardownErrors)
            teardownErrors.Add(error);
    }

    /// <summary>Force-removes a container (SIGKILL to everything in it); one already gone is fine.</summary>
    internal static async Task RemoveContainerAsync(DockerControl control, string id, CancellationToken cancellation)
    {
        try
        {
            await control.RunAsync(async c => await control.Client.Containers.RemoveContainerAsync(id,
                new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, c).ConfigureAwait(false), cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (DockerControl.IsNotFound(e))
        {
            // Already gone.
        }
    }

    internal static async Task RemoveNetworkAsync(DockerControl control, string id, CancellationToken cancellation)
    {
        try
        {
            await control.RunAsync(async c => await control.Client.Networks.DeleteNetworkAsync(id, c).ConfigureAwait(false), cancellation)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (DockerControl.IsNotFound(e))
        {
            // Already gone.
        }
    }

    // A harness that exits without disposing (Ctrl-C handled by the runtime, an unhandled exception) still cleans up.
    private void OnProcessExit(object? sender, EventArgs e) => teardown.Value.Wait(TeardownTimeout);

    private static string NodeName(int i) => string.Create(CultureInfo.InvariantCulture, $"n{i}");

    private string ContainerName(int i) => $"{Name}-{NodeName(i)}";

    private string NodeDirectoryPath(int i) => Path.Combine(WorkDirectory, NodeName(i));

    private int IndexOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return indexByName.TryGetValue(node.Name, out var i)
            ? i
            : throw new ArgumentException(
                $"node '{node.Name}' is not a node of Docker session {Name} ({string.Join(", ", indexByName.Keys)})", nameof(node));
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(teardown.IsValueCreated, this);
}
