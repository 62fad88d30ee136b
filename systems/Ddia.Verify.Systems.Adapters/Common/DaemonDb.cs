using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>What <see cref="DaemonDb"/> needs to know about one system's daemon.</summary>
/// <param name="Program">The daemon's name in error messages ("ddia-node", "etcd").</param>
/// <param name="StatusRequest">The request the status probe sends, for error messages.</param>
/// <param name="LogName">The log file's name in the node directory (also its name in the report).</param>
/// <param name="PidName">The pid file's name in the node directory.</param>
/// <param name="StartTimeout">How long a started daemon may take to answer; also how long a kill waits for it to be gone.</param>
internal sealed record DaemonSpec(string Program, string StatusRequest, string LogName, string PidName, TimeSpan StartTimeout);

/// <summary>
/// One daemon per node, through <see cref="TestContext.Remote"/> only (so one adapter serves the local, Docker and SSH
/// environments): start (and wait until it answers its status request), SIGKILL (and wait until it is gone),
/// SIGSTOP/SIGCONT, teardown (which removes nothing, so the logs reach the report), the pid each node runs, who says it
/// leads, and each node's raw status (sampled for the report). A system supplies its command line, its status request
/// and what in a status means "I lead"; setup is its own. Only this assembly derives from it (the constructor is private protected).
/// </summary>
public abstract class DaemonDb : IDb, IKillable, IPausable, IPrimaryAware, IHasLogFiles, IReportsStatus, IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly DaemonSpec spec;
    private readonly StatusProbe probe = new();
    // The pid of each node's daemon; null once this adapter killed it (so a stale pid file is never signalled: pids get reused).
    private readonly ConcurrentDictionary<string, int?> pids = new(StringComparer.Ordinal);

    private protected DaemonDb(DaemonSpec spec) => this.spec = spec;

    public abstract ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation);

    /// <summary>SIGCONT, then <see cref="KillAsync"/>: stops what this adapter started (or the daemon in the pid file).</summary>
    public async ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        // SIGCONT first: a paused daemon must not be left stopped if the kill is refused, and it costs nothing.
        await test.Remote.SignalAsync(node, pid, Signal.Cont, cancellation).ConfigureAwait(false);
        await KillAsync(test, node, cancellation).ConfigureAwait(false);
    }

    /// <summary>Starts the node's daemon (again) with the same data directory and waits until it answers its status
    /// request (which it does without a quorum too).</summary>
    public async ValueTask StartAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var pid = await test.Remote.StartDaemonAsync(node, Daemon(test, node), cancellation).ConfigureAwait(false);
        pids[node.Name] = pid;
        await WaitUntilAsync(test, node, async c => await StatusAsync(node, c).ConfigureAwait(false) is not null, spec.StartTimeout,
            string.Create(CultureInfo.InvariantCulture,
                $"{spec.Program} (pid {pid}) did not answer {spec.StatusRequest} within {spec.StartTimeout.TotalSeconds} s"),
            cancellation).ConfigureAwait(false);
    }

    /// <summary>SIGKILL; waits until the process is gone, so that connections to it are refused and a start right after can bind its ports. Keeps the
    /// data: a restarted daemon recovers from what it fsynced.</summary>
    public async ValueTask KillAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        await test.Remote.SignalAsync(node, pid, Signal.Kill, cancellation).ConfigureAwait(false);
        pids[node.Name] = null;
        // Until the process is gone its listening socket still accepts connections (a dying process closes its files
        // last); a status request that fails on a pooled connection says nothing about that.
        if (!await NodeProcesses.WaitGoneAsync(test.Remote, node, [pid], spec.StartTimeout, cancellation).ConfigureAwait(false))
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"{node.Name}: {spec.Program} (pid {pid}) still runs {spec.StartTimeout.TotalSeconds} s after SIGKILL; see {LogFile(test, node)}"));
    }

    public ValueTask PauseAsync(TestContext test, Node node, CancellationToken cancellation) => SignalAsync(test, node, Signal.Stop, cancellation);

    public ValueTask ResumeAsync(TestContext test, Node node, CancellationToken cancellation) => SignalAsync(test, node, Signal.Cont, cancellation);

    /// <summary>The nodes whose own status says they lead, asked in parallel; nodes that do not answer quickly are skipped.
    /// During an election or a partition there may be none, or (briefly, in different terms) two.</summary>
    public async ValueTask<IReadOnlyList<Node>> PrimariesAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var statuses = await Task.WhenAll(test.Nodes.Select(async n => (Node: n, Status: await StatusAsync(n, cancellation).ConfigureAwait(false))))
            .ConfigureAwait(false);
        return [.. statuses.Where(s => s.Status is { } st && IsLeader(st)).Select(s => s.Node)];
    }

    /// <summary>The node's answer to its status request as raw JSON, or null when it does not answer within a second.</summary>
    public async ValueTask<string?> StatusJsonAsync(TestContext test, Node node, CancellationToken cancellation) =>
        await StatusAsync(node, cancellation).ConfigureAwait(false) is { } status ? status.GetRawText() : null;

    public IReadOnlyDictionary<string, string> LogFiles(TestContext test, Node node) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [LogFile(test, node)] = spec.LogName };

    public void Dispose()
    {
        probe.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The daemon that runs <paramref name="node"/>: the whole command line.</summary>
    public abstract Daemon Daemon(TestContext test, Node node);

    /// <summary>Sends the status request with <paramref name="http"/>; null for an answer that says nothing.</summary>
    private protected abstract Task<JsonElement?> AskStatusAsync(HttpClient http, Node node, CancellationToken cancellation);

    /// <summary>Whether a node's own status says it leads.</summary>
    private protected abstract bool IsLeader(JsonElement status);

    /// <summary>The node's status, or null when it does not answer within a second.</summary>
    private protected Task<JsonElement?> StatusAsync(Node node, CancellationToken cancellation) =>
        probe.AskAsync((http, timeout) => AskStatusAsync(http, node, timeout), cancellation);

    /// <summary>Waits until the node's status names a leader (a string <c>leader</c>): nodes start in parallel, and one
    /// that knows its leader can route clients. Throws a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    private protected ValueTask WaitForLeaderAsync(TestContext test, Node node, TimeSpan timeout, CancellationToken cancellation) =>
        WaitUntilAsync(test, node, async c => await StatusAsync(node, c).ConfigureAwait(false) is { } s
                && s.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.String,
            timeout, string.Create(CultureInfo.InvariantCulture, $"no leader known after {timeout.TotalSeconds} s"), cancellation);

    /// <summary>Polls <paramref name="done"/> until it holds; after <paramref name="timeout"/> throws a
    /// <see cref="TimeoutException"/> saying "{node}: {failure}; see {log file}".</summary>
    private protected async ValueTask WaitUntilAsync(TestContext test, Node node, Func<CancellationToken, Task<bool>> done, TimeSpan timeout,
        string failure, CancellationToken cancellation)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done(cancellation).ConfigureAwait(false))
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"{node.Name}: {failure}; see {LogFile(test, node)}");
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    private protected string LogFile(TestContext test, Node node) => NodeFile(test, node, spec.LogName);

    private protected string PidFile(TestContext test, Node node) => NodeFile(test, node, spec.PidName);

    /// <summary>The file <paramref name="name"/> in the node's directory.</summary>
    private protected static string NodeFile(TestContext test, Node node, string name) => Join(test.Remote.NodeDirectory(node), name);

    // Node paths are the node's (Linux), not the harness's: join with '/'.
    private protected static string Join(string dir, string name) => dir.TrimEnd('/') + "/" + name;

    private async ValueTask SignalAsync(TestContext test, Node node, Signal signal, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (await PidAsync(test, node, cancellation).ConfigureAwait(false) is { } pid)
            await test.Remote.SignalAsync(node, pid, signal, cancellation).ConfigureAwait(false);
    }

    /// <summary>The pid this adapter started (null if it killed it since), or else the one in the node's pid file (a run
    /// that lost its adapter).</summary>
    private async ValueTask<int?> PidAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (pids.TryGetValue(node.Name, out var known)) return known;
        var result = await test.Remote.ExecAsync(node, ["cat", PidFile(test, node)], cancellation).ConfigureAwait(false);
        return result.Succeeded && int.TryParse(result.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }
}
