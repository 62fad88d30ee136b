using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// One open SSH environment: a connection per node and a session directory on every host. Disposing kills the
/// daemons it started (found by a marker in their environment), deletes leftover firewall rules of ours, removes the
/// session directory and closes the connections. Opening first sweeps what sessions of killed harnesses of this machine
/// left on the hosts (see SshSession.Sweep.cs).
/// </summary>
public sealed partial class SshSession : EnvironmentSession
{
    private static readonly TimeSpan TeardownTimeout = TimeSpan.FromSeconds(30);

    private readonly SshEnvironmentOptions options;
    private readonly SshConnection[] connections;
    private readonly Dictionary<string, int> indexByName = new(StringComparer.Ordinal);
    private readonly List<string> limitations = [];
    private readonly List<string> teardownErrors = [];
    private readonly Lock gate = new();
    private readonly FirewallAccess[] firewall;
    private Task? teardown;

    private SshSession(SshEnvironmentOptions options, SshConnection[] connections, string testName)
    {
        this.options = options;
        this.connections = connections;
        firewall = new FirewallAccess[connections.Length];
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" +
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        Id = $"{Sanitize(testName)}-{stamp}";
        SessionDirectory = $"{options.RemoteRoot.TrimEnd('/')}/{Id}";
        // Every daemon carries this in its environment, so teardown finds it and its children, and nothing else.
        Marker = MarkerOf(Id);
        Nodes = [.. connections.Select((c, i) => new Node(NodeName(i + 1), c.Host.Host))];
        for (var i = 1; i <= connections.Length; i++)
            indexByName[NodeName(i)] = i - 1;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>&lt;test&gt;-&lt;stamp&gt;-&lt;random&gt;: names the session directory and the daemons' marker.</summary>
    public string Id { get; }

    /// <summary>&lt;RemoteRoot&gt;/&lt;Id&gt; on every host: the parent of the node directories.</summary>
    public string SessionDirectory { get; }

    public override ImmutableArray<Node> Nodes { get; }

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

    internal string Marker { get; }

    internal static async Task<SshSession> OpenAsync(SshEnvironmentOptions options, KnownHosts? knownHosts, SshHost[] hosts,
        string testName, CancellationToken cancellation)
    {
        var connections = new List<SshConnection>();
        try
        {
            foreach (var host in hosts)
                connections.Add(new SshConnection(host, options, knownHosts));
        }
        catch
        {
            connections.ForEach(c => c.Dispose());
            throw;
        }
        var session = new SshSession(options, [.. connections], testName);
        try
        {
            await Task.WhenAll(session.connections.Select(c => c.ConnectAsync(cancellation))).ConfigureAwait(false);
            await Task.WhenAll(session.Nodes.Select(n => session.PrepareAsync(n, cancellation))).ConfigureAwait(false);
            await Task.WhenAll(session.Nodes.Select(n => session.SweepAsync(n, cancellation))).ConfigureAwait(false);
            var programs = options.Programs.Select(p => (Local: p, Remote: options.ProgramPath(p))).ToList();
            await Task.WhenAll(session.Nodes.Select(n => session.InstallAsync(n, programs, cancellation))).ConfigureAwait(false);
            session.DescribeLimitations();
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ValueTask DisposeAsync()
    {
        lock (gate)
            teardown ??= TearDownAsync();
        return new ValueTask(teardown);
    }

    // Uploads each program the host does not have yet: to a name of this session and node first, then renamed into place,
    // so hosts that share a filesystem (or a concurrent session) never see half a file.
    private async Task InstallAsync(Node node, IReadOnlyList<(string Local, string Remote)> programs, CancellationToken cancellation)
    {
        var i = IndexOf(node);
        foreach (var (local, remote) in programs)
        {
            var target = ShellQuote.Quote(remote);
            var present = await connections[i].RunAsync($"test -x {target} && echo present", cancellation).ConfigureAwait(false);
            if (present.Stdout.Trim() == "present") continue;
            var partial = $"{remote}.{Id}.{node.Name}.part";
            var directory = ShellQuote.Quote(remote[..remote.LastIndexOf('/')]);
            var made = await connections[i].RunAsync($"mkdir -p {directory}", cancellation).ConfigureAwait(false);
            if (!made.Succeeded) throw new SshEnvironmentException($"{connections[i].Describe()}: cannot create {directory}: {made.Stderr.Trim()}");
            await connections[i].UploadAsync(local, partial, cancellation).ConfigureAwait(false);
            var moved = await connections[i].RunAsync($"mv -f {ShellQuote.Quote(partial)} {target}", cancellation).ConfigureAwait(false);
            if (!moved.Succeeded) throw new SshEnvironmentException($"{connections[i].Describe()}: cannot install {remote}: {moved.Stderr.Trim()}");
        }
    }

    // Creates the node directory, writes the session's owner beside it, and finds out whether iptables can be run: as
    // root, through `sudo -n`, or not at all.
    private async Task PrepareAsync(Node node, CancellationToken cancellation)
    {
        var i = IndexOf(node);
        var directory = ShellQuote.Quote(NodeDirectory(node));
        var owner = ShellQuote.Quote($"{SessionDirectory}/{OwnerFile}");
        var script = $"mkdir -p {directory} && printf '%s\\n' {ShellQuote.Quote(OwnerLine)} > {owner} || exit 1; " +
            "if [ \"$(id -u)\" = 0 ]; then iptables -w -S INPUT >/dev/null 2>&1 && echo root || echo none; " +
            "elif sudo -n iptables -w -S INPUT >/dev/null 2>&1; then echo sudo; else echo none; fi";
        var result = await connections[i].RunAsync(script, cancellation).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new SshEnvironmentException($"{connections[i].Describe()}: cannot create {NodeDirectory(node)}: {result.Stderr.Trim()}");
        firewall[i] = result.Stdout.Trim() switch
        {
            "root" => FirewallAccess.Root,
            "sudo" => FirewallAccess.Sudo,
            _ => FirewallAccess.None,
        };
    }

    private void DescribeLimitations()
    {
        var without = Nodes.Where((_, i) => firewall[i] == FirewallAccess.None).Select(n => n.Name).ToList();
        if (without.Count > 0)
            limitations.Add($"partitions and packet loss are unavailable: iptables could not be run on {string.Join(", ", without)} " +
                "(it needs root: log in as root, or allow the user `sudo -n iptables` without a password, and install iptables)");
    }

    // A harness that exits without disposing (an unhandled exception, SIGTERM) still cleans the hosts, within bounds:
    // unlike local namespaces, nothing on a remote host would ever sweep what we leave there.
    private void OnProcessExit(object? sender, EventArgs e) => DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(15));

    private async Task TearDownAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        using var timeout = new CancellationTokenSource(TeardownTimeout);
        await Task.WhenAll(Nodes.Select(n => TearDownNodeAsync(n, timeout.Token))).ConfigureAwait(false);
        foreach (var connection in connections)
            connection.Dispose();
    }

    private async Task TearDownNodeAsync(Node node, CancellationToken cancellation)
    {
        var connection = connections[IndexOf(node)];
        if (!connection.EverConnected)
            return;
        await Step(node, "kill daemons", () => KillDaemonsAsync(connection, Marker, cancellation)).ConfigureAwait(false);
        if (firewall[IndexOf(node)] != FirewallAccess.None)
            await Step(node, "delete firewall rules", () => DeleteRulesAsync(node, cancellation)).ConfigureAwait(false);
        if (!options.KeepRemoteDirectories)
            await Step(node, "remove session directory", async () =>
            {
                var result = await connection.RunAsync("rm -rf " + ShellQuote.Quote(SessionDirectory), cancellation).ConfigureAwait(false);
                if (!result.Succeeded)
                    throw new SshEnvironmentException(result.Stderr.Trim());
            }).ConfigureAwait(false);
    }

    private async Task Step(Node node, string what, Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (gate)
                teardownErrors.Add($"{node.Name}: {what}: {e.Message}");
        }
    }

    /// <summary>
    /// SIGKILLs every process carrying a session's marker (daemons and whatever they started: they inherit the
    /// environment) and waits, bounded, until none is left. Zombies have an empty environ, so they count as gone.
    /// </summary>
    private static async Task KillDaemonsAsync(SshConnection connection, string marker, CancellationToken cancellation)
    {
        var script = $"m={ShellQuote.Quote(marker)}; n=0; " +
            "while :; do " +
            "p=$(grep -lzxF -e \"$m\" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); " +
            "[ -z \"$p\" ] && exit 0; " +
            "n=$((n+1)); [ $n -gt 500 ] && { echo \"still running after SIGKILL: $p\" >&2; exit 1; }; " +
            "kill -KILL $p 2>/dev/null; sleep 0.01; " +
            "done";
        var result = await connection.RunAsync(script, cancellation).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new SshEnvironmentException(result.Stderr.Trim());
    }

    /// <summary>Deletes INPUT rules whose comment starts with ddia-verify- (the nemeses' marker) that are still there.</summary>
    private async Task DeleteRulesAsync(Node node, CancellationToken cancellation)
    {
        var listing = await RunOnNodeAsync(node, ["iptables", "-w", "-S", "INPUT"], cancellation).ConfigureAwait(false);
        if (!listing.Succeeded)
            throw new SshEnvironmentException($"iptables -S INPUT: {listing.Stderr.Trim()}");
        foreach (var rule in listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var comment = Array.IndexOf(words, "--comment");
            if (words is not ["-A", ..] || comment < 0 || comment + 1 >= words.Length
                || !words[comment + 1].Trim('"').StartsWith(RuleCommentPrefix, StringComparison.Ordinal))
                continue;
            // iptables -S prints a rule the way -A takes it back, so -D takes it too; our comments need no quoting.
            var deletion = await RunOnNodeAsync(node, ["iptables", "-w", "-D", .. words[1..]], cancellation).ConfigureAwait(false);
            if (!deletion.Succeeded)
                throw new SshEnvironmentException($"iptables -D {string.Join(' ', words[1..])}: {deletion.Stderr.Trim()}");
        }
    }

    /// <summary>Firewall rules of ours carry a comment that starts with this (Iptables.PartitionComment, LossComment).</summary>
    internal const string RuleCommentPrefix = "ddia-verify-";

    private static string NodeName(int i) => string.Create(CultureInfo.InvariantCulture, $"n{i}");

    private static string Sanitize(string testName)
    {
        var name = new string([.. testName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).Trim('.');
        return name.Length == 0 ? "test" : name.Length > 60 ? name[..60] : name;
    }

    private int IndexOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return indexByName.TryGetValue(node.Name, out var i)
            ? i
            : throw new ArgumentException($"node '{node.Name}' is not a node of this session ({string.Join(", ", indexByName.Keys)})",
                nameof(node));
    }

    private enum FirewallAccess
    {
        None,
        Root,
        Sudo,
    }
}
