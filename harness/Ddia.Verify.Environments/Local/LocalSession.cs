using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Local;

/// <summary>
/// One open local environment: a slot, its nodes and (as root) its bridge and namespaces. Disposing, or
/// <see cref="Cleanup"/>, removes all of it; so does the next <see cref="LocalEnvironment.OpenAsync"/> anywhere on
/// the machine if this process dies first.
/// </summary>
public sealed partial class LocalSession : EnvironmentSession
{
    // `ip netns add` run concurrently for the first time on a machine can stack mounts of /run/netns; one at a time in-process.
    private static readonly SemaphoreSlim NamespaceCreation = new(1, 1);

    private readonly LocalEnvironmentOptions options;
    private readonly SlotOwner owner;
    private readonly string slotFile;
    private readonly Dictionary<string, int> indexByName = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> daemons = [];
    private readonly List<string> limitations = [];
    private readonly List<string> teardownErrors = [];
    private readonly Lock gate = new();
    private ImmutableArray<Node> nodes = [];
    private bool namespaces;
    private bool closed;

    private LocalSession(LocalEnvironmentOptions options, int slot, SlotOwner owner, string slotFile)
    {
        this.options = options;
        this.owner = owner;
        this.slotFile = slotFile;
        Slot = slot;
        Names = new SlotNames(slot, options.SubnetPrefix);
        WorkDirectory = Path.Combine(options.WorkRoot, slot.ToString(CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The slot this session holds (1…200); it appears in every name and address the session uses.</summary>
    public int Slot { get; }

    /// <summary>True when nodes are in network namespaces; false in loopback mode.</summary>
    public bool UsesNamespaces => namespaces;

    /// <summary>&lt;WorkRoot&gt;/&lt;slot&gt;: the parent of every node directory.</summary>
    public string WorkDirectory { get; }

    /// <summary>The bridge's (host's) address as the nodes see it; null in loopback mode.</summary>
    public string? HostAddress => namespaces ? Names.BridgeAddress : null;

    public override ImmutableArray<Node> Nodes => nodes;

    public override IRemote Remote => this;

    public override IReadOnlyList<string> Limitations => limitations;

    /// <summary>What went wrong during teardown (each step is best effort); empty after a clean teardown.</summary>
    public IReadOnlyList<string> TeardownErrors
    {
        get
        {
            lock (gate)
                return [.. teardownErrors];
        }
    }

    internal SlotNames Names { get; }

    /// <summary>The network namespace of <paramref name="node"/>; null in loopback mode.</summary>
    public string? NamespaceOf(Node node) => namespaces ? Names.Namespace(IndexOf(node)) : null;

    internal static async Task<LocalSession> OpenAsync(LocalEnvironmentOptions options, string testName, int nodeCount,
        CancellationToken cancellation)
    {
        var owner = SlotOwner.Current(options.WorkRoot, testName);
        var slot = Slots.Claim(options.Slots, owner);
        var session = new LocalSession(options, slot, owner, Slots.FilePath(options.Slots, slot));
        try
        {
            await session.SetUpAsync(nodeCount, cancellation).ConfigureAwait(false);
            return session;
        }
        catch
        {
            session.Cleanup();
            throw;
        }
    }

    private async Task SetUpAsync(int nodeCount, CancellationToken cancellation)
    {
        // The slot is ours now, so anything under its work directory is a previous session's: start empty, so that a
        // stale pid file can never lead a later sweep to a reused pid.
        if (Directory.Exists(WorkDirectory))
            Directory.Delete(WorkDirectory, recursive: true);
        for (var i = 1; i <= nodeCount; i++)
        {
            indexByName[NodeName(i)] = i;
            Directory.CreateDirectory(NodeDirectoryPath(i));
        }

        string? refusal = null;
        if (options.ForceLoopback)
            refusal = "loopback mode was forced (LocalEnvironmentOptions.ForceLoopback)";
        else if (!Environment.IsPrivilegedProcess)
            refusal = "the harness is not running as root";
        else
        {
            SlotTeardown.DeleteNetwork(Names, []);   // strays of a crashed set-up in this slot, never anyone else's
            namespaces = true;
            await NamespaceCreation.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                await Ip(cancellation, "netns", "add", Names.Namespace(1)).ConfigureAwait(false);
            }
            catch (EnvironmentCommandException e)
            {
                namespaces = false;
                refusal = $"`ip netns add` was refused ({e.Result.Stderr.Trim()})";
            }
            finally
            {
                NamespaceCreation.Release();
            }
        }

        if (namespaces)
            await SetUpNetworkAsync(nodeCount, cancellation).ConfigureAwait(false);
        else
            limitations.Add($"partitions and packet loss are unavailable: they need iptables in per-node network namespaces, " +
                $"which need root, and {refusal}. Nodes share the host's network on loopback addresses (127.0.{Slot}.x); " +
                "process faults (kill, pause) still work.");

        nodes = [.. Enumerable.Range(1, nodeCount)
            .Select(i => new Node(NodeName(i), namespaces ? Names.NodeAddress(i) : Names.LoopbackAddress(i)))];
    }

    private async Task SetUpNetworkAsync(int nodeCount, CancellationToken cancellation)
    {
        var bridge = Names.Bridge;
        await Ip(cancellation, "link", "add", "name", bridge, "type", "bridge").ConfigureAwait(false);
        await Ip(cancellation, "addr", "add", Names.BridgeAddress + "/24", "dev", bridge).ConfigureAwait(false);
        await Ip(cancellation, "link", "set", bridge, "up").ConfigureAwait(false);
        for (var i = 1; i <= nodeCount; i++)
        {
            var ns = Names.Namespace(i);
            if (i > 1)
            {
                await NamespaceCreation.WaitAsync(cancellation).ConfigureAwait(false);
                try
                {
                    await Ip(cancellation, "netns", "add", ns).ConfigureAwait(false);
                }
                finally
                {
                    NamespaceCreation.Release();
                }
            }
            var hostEnd = Names.HostVeth(i);
            var nodeEnd = Names.NodeVeth(i);
            await Ip(cancellation, "link", "add", hostEnd, "type", "veth", "peer", "name", nodeEnd, "netns", ns).ConfigureAwait(false);
            await Ip(cancellation, "link", "set", hostEnd, "master", bridge, "up").ConfigureAwait(false);
            await Ip(cancellation, "-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
            await Ip(cancellation, "-n", ns, "addr", "add", Names.NodeAddress(i) + "/24", "dev", nodeEnd).ConfigureAwait(false);
            await Ip(cancellation, "-n", ns, "link", "set", nodeEnd, "up").ConfigureAwait(false);
            await Ip(cancellation, "-n", ns, "route", "add", "default", "via", Names.BridgeAddress).ConfigureAwait(false);
        }
        // Docker sets the FORWARD policy to DROP (DESIGN.md §7), and with br_netfilter bridged frames pass FORWARD:
        // without this rule nodes could reach the host but not each other.
        await Host.RunAsync("iptables",
            ["-w", "-I", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT", "-m", "comment", "--comment", Names.RuleComment],
            cancellation).ConfigureAwait(false);
    }

    private static Task<string> Ip(CancellationToken cancellation, params string[] arguments) =>
        Host.RunAsync("ip", arguments, cancellation);

    public override ValueTask DisposeAsync() => new(Task.Run(Cleanup));

    /// <summary>
    /// Synchronous teardown, safe from a ProcessExit or signal handler: SIGKILLs every process of the session (daemon
    /// process groups, pid files, anything inside its namespaces), waits until they are gone, then deletes the FORWARD
    /// rule, veths, namespaces, bridge and slot file. Idempotent, never throws; problems go to <see cref="TeardownErrors"/>.
    /// </summary>
    public void Cleanup()
    {
        lock (gate)
        {
            if (closed)
                return;
            closed = true;
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            try
            {
                SlotTeardown.KillAndWait(daemons);
            }
            catch (Exception e)
            {
                teardownErrors.Add($"kill daemons: {e.Message}");
            }
            // As root the network objects are looked for even in loopback mode: a set-up may have failed half-way.
            var network = namespaces || (Environment.IsPrivilegedProcess && !options.ForceLoopback);
            SlotTeardown.Run(Slot, Names, owner, slotFile, network, WorkDirectory, teardownErrors);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Cleanup();

    private static string NodeName(int i) => string.Create(CultureInfo.InvariantCulture, $"n{i}");

    private string NodeDirectoryPath(int i) => Path.Combine(WorkDirectory, NodeName(i));

    private int IndexOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return indexByName.TryGetValue(node.Name, out var i)
            ? i
            : throw new ArgumentException(
                $"node '{node.Name}' is not a node of this session (slot {Slot}: {string.Join(", ", indexByName.Keys)})", nameof(node));
    }
}
