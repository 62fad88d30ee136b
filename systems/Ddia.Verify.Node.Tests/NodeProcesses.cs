using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// Real <c>ddia-node --system S</c> processes on 127.0.0.1, ids 1..size, each with two free ports (client HTTP and
/// peer) and its own temporary data directory; every node's stdout and stderr are kept for <see cref="Logs"/>. A
/// subclass says what else its system's nodes are started with. Dispose kills every process it started (whole tree;
/// paused ones too: SIGKILL needs no SIGCONT) and deletes the directories.
/// </summary>
internal abstract class NodeProcesses : IDisposable
{
    private readonly string system;
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly string root;
    private readonly Dictionary<int, (int Http, int Peer)> ports = [];
    private readonly Dictionary<int, Process> processes = [];
    private readonly Dictionary<int, StringBuilder> output = [];

    /// <param name="system">The <c>--system</c> every node runs.</param>
    /// <param name="size">How many nodes (ids 1..size); none is started yet.</param>
    /// <param name="requestTimeout">How long one HTTP request to a node may take.</param>
    /// <param name="environment">Set in every node's environment (e.g. a snapshot interval).</param>
    protected NodeProcesses(string system, int size, TimeSpan requestTimeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        this.system = system;
        this.environment = environment ?? new Dictionary<string, string>();
        root = Path.Combine(Path.GetTempPath(), $"ddia-node-tests-{system}-{Guid.NewGuid():N}");
        Http = new HttpClient { Timeout = requestTimeout };
        var free = FreePorts(2 * size);
        for (var id = 1; id <= size; id++) ports[id] = (free[2 * (id - 1)], free[2 * (id - 1) + 1]);
    }

    public IReadOnlyCollection<int> Ids => ports.Keys;

    /// <summary>The client every request to the nodes goes through.</summary>
    protected HttpClient Http { get; }

    public static string NodeDll { get; } = typeof(NodeProcesses).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeDll").Value!;

    /// <summary>The node's client endpoint, ADDR:PORT.</summary>
    public string HttpAddress(int id) => "127.0.0.1:" + Str(ports[id].Http);

    /// <summary>The node's peer endpoint (Raft's <c>--listen-peer</c>), ADDR:PORT.</summary>
    public string PeerAddress(int id) => "127.0.0.1:" + Str(ports[id].Peer);

    public string DataDir(int id) => Path.Combine(root, "n" + Str(id));

    public Uri Url(int id, string path) => new($"http://{HttpAddress(id)}{path}");

    /// <summary>The system's own arguments for the node, after <c>--system --id --listen-http --data</c>; they apply
    /// to every start.</summary>
    protected abstract IEnumerable<string> SystemArguments(int id);

    /// <summary><c>--peer-http</c> naming every other node's client endpoint (or <paramref name="target"/>).</summary>
    protected IEnumerable<string> PeerHttpArguments(int id, string? target = null) =>
        Ids.Where(peer => peer != id).SelectMany(peer => new[] { "--peer-http", $"{Str(peer)}={target ?? HttpAddress(peer)}" });

    /// <summary>Starts every node; on failure kills what started and rethrows.</summary>
    protected void StartAll()
    {
        try
        {
            foreach (var id in Ids) Start(id);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Starts (or restarts) the node; <paramref name="extraArgs"/> apply to this start only (e.g. a test hook).</summary>
    public void Start(int id, IReadOnlyList<string>? extraArgs = null)
    {
        if (processes.TryGetValue(id, out var old) && !old.HasExited) throw new InvalidOperationException($"n{Str(id)} is running");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] common = [NodeDll, "--system", system, "--id", Str(id), "--listen-http", HttpAddress(id), "--data", DataDir(id)];
        foreach (var a in common.Concat(SystemArguments(id)).Concat(extraArgs ?? [])) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        // One log per node across restarts, so a failure message shows the whole story.
        var log = output.TryGetValue(id, out var existing) ? existing : output[id] = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        old?.Dispose();
        processes[id] = process;
    }

    /// <summary>Waits for the node to exit on its own (e.g. a crash hook); true when it did.</summary>
    public bool WaitForExit(int id, TimeSpan timeout) => processes[id].WaitForExit(timeout);

    /// <summary>kill -9, whole process tree; waits until it is gone.</summary>
    public void Kill(int id)
    {
        var p = processes[id];
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        p.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP: the node keeps its sockets but does nothing, like a long GC pause.</summary>
    public void Pause(int id) => Signal(id, "STOP");

    /// <summary>SIGCONT.</summary>
    public void Resume(int id) => Signal(id, "CONT");

    private void Signal(int id, string signal)
    {
        // kill(1) rather than P/Invoke: Process has no way to send a signal, and this needs no unsafe code.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, Str(processes[id].Id)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {signal} n{Str(id)} exited with {Str(kill.ExitCode)}");
    }

    /// <summary>The node's /admin/status, or null when it does not answer.</summary>
    public async Task<JsonElement?> Status(int id)
    {
        try
        {
            using var response = await Http.GetAsync(Url(id, "/admin/status")).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>A number from the node's status, or -1 when it does not answer.</summary>
    public async Task<long> StatusLong(int id, string field) => (await Status(id).ConfigureAwait(false))?.GetProperty(field).GetInt64() ?? -1;

    /// <summary>Waits until every one of <paramref name="ids"/> (all when none) answers /admin/status.</summary>
    public async Task WaitUp(params int[] ids)
    {
        foreach (var id in ids.Length == 0 ? Ids : ids)
        {
            Assert.True(await Api.Eventually(async () => await Status(id).ConfigureAwait(false) is not null, TimeSpan.FromSeconds(30)).ConfigureAwait(false),
                $"n{Str(id)} never answered\n{Logs()}");
        }
    }

    public async Task<(HttpStatusCode Code, JsonElement Body)> Post(int id, string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(Url(id, path), body).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false));
    }

    /// <summary>Offsets the node's wall clock (<c>/admin/clock</c>) and checks the node took it.</summary>
    public async Task SetClock(int id, long offsetMs)
    {
        var (code, body) = await Post(id, "/admin/clock", new { offsetMs }).ConfigureAwait(false);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(offsetMs, body.GetProperty("offsetMs").GetInt64());
    }

    /// <summary>
    /// Waits until, among <paramref name="among"/>, every node answers, exactly one says it is leader and all name it
    /// as leader (and, with <paramref name="sameField"/>, all report the leader's value of that field, e.g. its term).
    /// Returns its id.
    /// </summary>
    protected async Task<int> WaitForAgreedLeader(IReadOnlyCollection<int> among, TimeSpan timeout, string? sameField)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < timeout)
        {
            var statuses = new List<JsonElement>();
            foreach (var id in among)
            {
                if (await Status(id).ConfigureAwait(false) is { } s) statuses.Add(s);
            }
            last = string.Join(" | ", statuses.Select(s => s.GetRawText()));
            var leaders = statuses.Where(s => s.GetProperty("role").GetString() == "leader").ToList();
            if (statuses.Count == among.Count && leaders.Count == 1)
            {
                var leader = leaders[0].GetProperty("id").GetInt32();
                var same = sameField is null ? 0 : leaders[0].GetProperty(sameField).GetInt64();
                if (statuses.All(s => s.GetProperty("leaderId") is { ValueKind: JsonValueKind.Number } l && l.GetInt32() == leader
                                      && (sameField is null || s.GetProperty(sameField).GetInt64() == same)))
                    return leader;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"no agreed leader among {string.Join(",", among)} within {timeout}: {last}\n{Logs()}");
    }

    /// <summary>Every node's output so far, for failure messages.</summary>
    public string Logs()
    {
        var sb = new StringBuilder();
        foreach (var (id, log) in output)
        {
            lock (log) sb.Append("--- n").Append(Str(id)).AppendLine(" output ---").Append(log);
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var p in processes.Values)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // never started, or already reaped
            }
            p.Dispose();
        }
        Http.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs ddia-node with <paramref name="args"/> to its exit (killed after <paramref name="timeout"/>).</summary>
    public static async Task<(int ExitCode, string StdErr)> RunToExit(IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(NodeDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ddia-node {string.Join(' ', args)} did not exit within {timeout}");
        }
        return (process.ExitCode, await stderr.ConfigureAwait(false));
    }

    /// <summary>Free TCP ports on 127.0.0.1: all bound at once (so distinct), then released.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    protected static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
}
