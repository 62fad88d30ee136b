using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;
using Npgsql;

namespace Ddia.Verify.Systems.Adapters.Postgres;

/// <summary>
/// One PostgreSQL 15 server on the test's FIRST node, through <see cref="TestContext.Remote"/> only. The other nodes run
/// nothing: they are the access points of their clients, which all talk to the server (faults aimed at those nodes do
/// nothing). The first node's directory holds the cluster (pgdata/, made by initdb), the host-based authentication file
/// (pg_hba.conf: trust for the test network only), the server's log (postgresql.log) and the pid file (postgres.pid).
/// <para>postgres refuses to run as root: when the node's commands run as root, initdb and the server run as
/// <see cref="PostgresDbOptions.RunAs"/> through <c>setpriv --reuid --regid --init-groups</c>, which execs (so the pid
/// the environment records is the postmaster's), and that user owns pgdata/. Otherwise they run as the node's user.</para>
/// <para>Every setting is on the server's command line (<c>-c</c>): listen on the node's address only, no Unix socket,
/// fsync and synchronous commit on, max_connections for the clients. Kill is SIGKILL of the postmaster and its
/// children (stopped first, so none is forked meanwhile), so a restart runs crash recovery from the WAL; pause and
/// resume SIGSTOP/SIGCONT the whole server. Teardown is a fast shutdown (SIGINT), SIGKILL if it hangs, and removes
/// nothing, so the log reaches the report.</para>
/// </summary>
public sealed class PostgresDb : IDb, IKillable, IPausable, IPrimaryAware, IHasLogFiles, IReportsStatus, IDisposable
{
    private const string LogName = "postgresql.log";
    private const string PidName = "postgres.pid";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private readonly PostgresDbOptions options;
    // The postmaster's pid; null once this adapter stopped it (a stale pid file is never signalled: pids get reused).
    private readonly ConcurrentDictionary<string, int?> pids = new(StringComparer.Ordinal);
    // setpriv's prefix when the node runs commands as root (empty otherwise), found by setup.
    private IReadOnlyList<string>? runAs;
    // Kill, pause, resume, start and teardown of the server, one at a time. The nemesis runs its packages concurrently,
    // and a resume between a kill's SIGSTOP of the postmaster and its SIGKILL would let the postmaster fork a backend
    // the kill does not know of: it would outlive its server, on the same data directory as the next one.
    private readonly SemaphoreSlim serverControl = new(1, 1);

    public PostgresDb(PostgresDbOptions? options = null)
    {
        this.options = options ?? new PostgresDbOptions();
        this.options.Validate();
    }

    public PostgresDbOptions Options => options;

    /// <summary>The node that runs the server: the test's first.</summary>
    public static Node Server(TestContext test)
    {
        ArgumentNullException.ThrowIfNull(test);
        return test.Nodes[0];
    }

    /// <summary>On the first node: a new cluster (an earlier one is removed), started, with the database and the
    /// workloads' tables. Elsewhere: nothing.</summary>
    public async ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        if (!IsServer(test, node)) return;
        var remote = test.Remote;
        var (prefix, owner) = await RunAsPrefixAsync(test, node, cancellation).ConfigureAwait(false);
        var data = DataDirectory(test, node);
        await remote.RunAsync(node, ["rm", "-rf", data], cancellation).ConfigureAwait(false);
        await remote.RunAsync(node, ["mkdir", "-m", "700", data], cancellation).ConfigureAwait(false);
        if (owner is not null) await remote.RunAsync(node, ["chown", owner, data], cancellation).ConfigureAwait(false);
        // --no-sync: initdb's own files only; the server itself runs with fsync on.
        var initdb = await remote.ExecAsync(node,
            [.. prefix, Bin("initdb"), "-D", data, "-U", PostgresSchema.User, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions", "--no-sync"],
            cancellation).ConfigureAwait(false);
        if (!initdb.Succeeded)
        {
            throw new InvalidOperationException(
                $"{node.Name}: initdb exited {initdb.ExitCode}: {initdb.Stderr.Trim()} (the server's user must be able to reach {data})");
        }
        await WriteHbaAsync(test, node, cancellation).ConfigureAwait(false);
        await StartAsync(test, node, cancellation).ConfigureAwait(false);

        await using (var admin = Connect(node, "postgres"))
        {
            await admin.OpenAsync(cancellation).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {options.Database}", admin);
            await create.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }
        await using var db = Connect(node, options.Database);
        await db.OpenAsync(cancellation).ConfigureAwait(false);
        await using var tables = new NpgsqlCommand(PostgresSchema.CreateTables, db);
        await tables.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Resumes the server if paused, then a fast shutdown (SIGKILL if it does not finish in time).</summary>
    public ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation) =>
        OneAtATimeAsync(() => StopServerAsync(test, node, cancellation), cancellation);

    private async ValueTask StopServerAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!IsServer(test, node) || await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        await ResumeServerAsync(test, node, cancellation).ConfigureAwait(false);
        // SIGINT: fast shutdown (SIGTERM would wait for every client to disconnect). Signal has no SIGINT: kill(1) does.
        await test.Remote.ExecAsync(node, ["kill", "-INT", Str(pid)], cancellation).ConfigureAwait(false);
        if (!await NodeProcesses.WaitGoneAsync(test.Remote, node, [pid], options.StartTimeout, cancellation).ConfigureAwait(false))
            await KillServerAsync(test, node, cancellation).ConfigureAwait(false);
        pids[node.Name] = null;
    }

    /// <summary>Starts the server (again) on the same data directory and waits until it accepts connections; after
    /// a kill that includes crash recovery.</summary>
    public ValueTask StartAsync(TestContext test, Node node, CancellationToken cancellation) =>
        OneAtATimeAsync(() => StartServerAsync(test, node, cancellation), cancellation);

    private async ValueTask StartServerAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        if (!IsServer(test, node)) return;
        var pid = await test.Remote.StartDaemonAsync(node, Daemon(test, node), cancellation).ConfigureAwait(false);
        pids[node.Name] = pid;
        var deadline = Stopwatch.StartNew();
        while (await StatusAsync(test, node, cancellation).ConfigureAwait(false) is null)
        {
            if (deadline.Elapsed > options.StartTimeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"{node.Name}: postgres (pid {pid}) did not accept connections within {options.StartTimeout.TotalSeconds} s; see {LogFile(test, node)}"));
            }
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL of the postmaster and every child it has (a crash, not a shutdown: no checkpoint, shared
    /// memory lost), waiting until they are gone. Keeps the data: a restart recovers from the fsynced WAL.</summary>
    public ValueTask KillAsync(TestContext test, Node node, CancellationToken cancellation) =>
        OneAtATimeAsync(() => KillServerAsync(test, node, cancellation), cancellation);

    private async ValueTask KillServerAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!IsServer(test, node) || await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        var remote = test.Remote;
        // Stopped, the postmaster cannot fork a replacement for a child killed under it.
        await remote.SignalAsync(node, pid, Signal.Stop, cancellation).ConfigureAwait(false);
        var children = await ChildrenAsync(test, node, pid, cancellation).ConfigureAwait(false);
        await NodeProcesses.SignalAllAsync(remote, node, Signal.Kill, [.. children ?? [], pid], cancellation).ConfigureAwait(false);
        pids[node.Name] = null;
        if (await NodeProcesses.WaitGoneAsync(remote, node, [pid, .. children ?? []], options.StartTimeout, cancellation).ConfigureAwait(false) && children is not null)
        {
            // Every process of the old server is dead, but an unreaped one still "exists" to kill(pid, 0), and the
            // next postmaster would take its lock file for a live server. Known stale: remove it.
            await remote.ExecAsync(node, ["rm", "-f", DataDirectory(test, node) + "/postmaster.pid"], cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>SIGSTOP to the postmaster, then to its children: the whole server stops answering.</summary>
    public ValueTask PauseAsync(TestContext test, Node node, CancellationToken cancellation) =>
        OneAtATimeAsync(() => PauseServerAsync(test, node, cancellation), cancellation);

    private async ValueTask PauseServerAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!IsServer(test, node) || await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        await test.Remote.SignalAsync(node, pid, Signal.Stop, cancellation).ConfigureAwait(false);
        await NodeProcesses.SignalAllAsync(test.Remote, node, Signal.Stop, await ChildrenAsync(test, node, pid, cancellation).ConfigureAwait(false) ?? [], cancellation)
            .ConfigureAwait(false);
    }

    /// <summary>SIGCONT to the children, then the postmaster.</summary>
    public ValueTask ResumeAsync(TestContext test, Node node, CancellationToken cancellation) =>
        OneAtATimeAsync(() => ResumeServerAsync(test, node, cancellation), cancellation);

    private async ValueTask ResumeServerAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!IsServer(test, node) || await PidAsync(test, node, cancellation).ConfigureAwait(false) is not { } pid) return;
        var children = await ChildrenAsync(test, node, pid, cancellation).ConfigureAwait(false) ?? [];
        await NodeProcesses.SignalAllAsync(test.Remote, node, Signal.Cont, [.. children, pid], cancellation).ConfigureAwait(false);
    }

    /// <summary>The server's node while it accepts connections; no one otherwise.</summary>
    public async ValueTask<IReadOnlyList<Node>> PrimariesAsync(TestContext test, CancellationToken cancellation)
    {
        var server = Server(test);
        return await StatusAsync(test, server, cancellation).ConfigureAwait(false) is null ? [] : [server];
    }

    /// <summary>The server's own account (role, WAL position, backends, the longest-running transaction's age), or
    /// null when it does not answer within a second or the node runs no server.</summary>
    public async ValueTask<string?> StatusJsonAsync(TestContext test, Node node, CancellationToken cancellation) =>
        await StatusAsync(test, node, cancellation).ConfigureAwait(false) is { } status ? status.GetRawText() : null;

    /// <summary>postgresql.log of every node (only the first has one; a missing log is skipped by the harness).</summary>
    public IReadOnlyDictionary<string, string> LogFiles(TestContext test, Node node) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [LogFile(test, node)] = LogName };

    public void Dispose() =>
        // Nothing else is held between calls: every probe opens and closes its own connection.
        serverControl.Dispose();

    private async ValueTask OneAtATimeAsync(Func<ValueTask> control, CancellationToken cancellation)
    {
        await serverControl.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await control().ConfigureAwait(false);
        }
        finally
        {
            serverControl.Release();
        }
    }

    /// <summary>The server's whole command line: the postgres binary, through setpriv when the node runs commands
    /// as root. Valid after <see cref="SetupAsync"/> found out which.</summary>
    public Daemon Daemon(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        var prefix = runAs ?? throw new InvalidOperationException("set the node up before starting its server");
        var dir = test.Remote.NodeDirectory(node);
        string[] settings =
        [
            "listen_addresses=" + node.Address,
            "port=" + Str(options.Port),
            // No Unix socket: its default directory may not exist or be shared between nodes; clients use TCP.
            "unix_socket_directories=",
            "hba_file=" + Join(dir, "pg_hba.conf"),
            "max_connections=" + Str(options.MaxConnections),
            "fsync=on",
            "synchronous_commit=on",
            "full_page_writes=on",
            "deadlock_timeout=" + Str((int)options.DeadlockTimeout.TotalMilliseconds) + "ms",
            // Small: a test's tables are tiny, and CI machines run several servers.
            "shared_buffers=32MB",
            // The JIT's module is not in container images (PostgresDbOptions.NodeFiles); a test's queries are tiny anyway.
            "jit=off",
        ];
        string[] command = [.. prefix, Bin("postgres"), "-D", DataDirectory(test, node), .. settings.SelectMany(s => new[] { "-c", s })];
        return new Daemon(command[0], command[1..], dir, LogFile(test, node), Join(dir, PidName));
    }

    /// <summary>A connection to <paramref name="database"/> on the server (no pooling: each is its own session).</summary>
    private NpgsqlConnection Connect(Node node, string database) =>
        PostgresClient.Connect(node, options.ClientOptions with { Database = database });

    private static bool IsServer(TestContext test, Node node) => node.Name == Server(test).Name;

    /// <summary>setpriv's prefix (and the data directory's owner, uid:gid) when the node runs commands as root;
    /// nothing when it does not.</summary>
    private async ValueTask<(IReadOnlyList<string> Prefix, string? Owner)> RunAsPrefixAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        var remote = test.Remote;
        if ((await remote.RunAsync(node, ["id", "-u"], cancellation).ConfigureAwait(false)).Trim() != "0")
        {
            runAs = [];
            return ([], null);
        }
        var uid = await remote.ExecAsync(node, ["id", "-u", options.RunAs], cancellation).ConfigureAwait(false);
        var gid = await remote.ExecAsync(node, ["id", "-g", options.RunAs], cancellation).ConfigureAwait(false);
        if (!uid.Succeeded || !gid.Succeeded)
        {
            throw new InvalidOperationException(
                $"{node.Name}: postgres refuses to run as root and user '{options.RunAs}' does not exist (apt-get install postgresql creates it)");
        }
        var (u, g) = (uid.Stdout.Trim(), gid.Stdout.Trim());
        runAs = ["/usr/bin/setpriv", "--reuid=" + u, "--regid=" + g, "--init-groups"];
        return (runAs, u + ":" + g);
    }

    /// <summary>pg_hba.conf: trust for the test network, nothing else (no line, no access).</summary>
    private async ValueTask WriteHbaAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        var networks = options.TrustedNetworks ?? ["127.0.0.0/8", .. test.Nodes.Select(n => Network(n.Address)).Distinct(StringComparer.Ordinal)];
        string[] lines = ["# Written by Ddia.Verify's PostgresDb: the test network only, no passwords.", .. networks.Select(n => $"host all all {n} trust")];
        // Lines as positional parameters, so nothing is quoted whatever the remote does.
        await test.Remote.RunAsync(node, ["sh", "-c", "f=$1; shift; printf '%s\\n' \"$@\" >\"$f\"", "sh", Join(test.Remote.NodeDirectory(node), "pg_hba.conf"), .. lines],
            cancellation).ConfigureAwait(false);
    }

    private static string Network(string address)
    {
        if (!IPAddress.TryParse(address, out var ip)) throw new InvalidOperationException($"node address '{address}' is not an IP address: set TrustedNetworks");
        if (ip.AddressFamily != AddressFamily.InterNetwork) return ip + "/128";
        var b = ip.GetAddressBytes();
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]}.{b[1]}.{b[2]}.0/24");
    }

    /// <summary>SELECT from the server within a second; null when the node runs no server or it does not answer
    /// (down, paused, recovering, cut off).</summary>
    private async Task<JsonElement?> StatusAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (!IsServer(test, node)) return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await using var connection = Connect(node, "postgres");
            await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
            await using var query = new NpgsqlCommand(
                "SELECT json_build_object('role', CASE WHEN pg_is_in_recovery() THEN 'recovering' ELSE 'primary' END, " +
                "'walLsn', pg_current_wal_lsn()::text, 'backends', (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), " +
                "'oldestXactSeconds', (SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity))::text", connection);
            var json = (string?)await query.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or SocketException
                                      || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>The postmaster's children, or null when the node cannot list them (no pgrep).</summary>
    private static async Task<int[]?> ChildrenAsync(TestContext test, Node node, int pid, CancellationToken cancellation)
    {
        var result = await test.Remote.ExecAsync(node, ["pgrep", "-P", Str(pid)], cancellation).ConfigureAwait(false);
        // pgrep exits 1 when nothing matched.
        if (result.ExitCode is not (0 or 1)) return null;
        return [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture))];
    }

    /// <summary>The pid this adapter started (null if it stopped it since), or else the one in the node's pid file.</summary>
    private async ValueTask<int?> PidAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        if (pids.TryGetValue(node.Name, out var known)) return known;
        var result = await test.Remote.ExecAsync(node, ["cat", Join(test.Remote.NodeDirectory(node), PidName)], cancellation).ConfigureAwait(false);
        return result.Succeeded && int.TryParse(result.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private string Bin(string program) => Join(options.BinDirectory, program);

    private static string DataDirectory(TestContext test, Node node) => Join(test.Remote.NodeDirectory(node), "pgdata");

    private static string LogFile(TestContext test, Node node) => Join(test.Remote.NodeDirectory(node), LogName);

    // Node paths are the node's (Linux), not the harness's: join with '/'.
    private static string Join(string dir, string name) => dir.TrimEnd('/') + "/" + name;

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
}
