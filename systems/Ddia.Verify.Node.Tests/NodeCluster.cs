using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>How <see cref="NodeCluster"/> configures its nodes; the defaults are the node program's.</summary>
internal sealed record NodeClusterOptions
{
    /// <summary><c>--read-mode</c>: log, index or lease.</summary>
    public string ReadMode { get; init; } = "log";

    /// <summary><c>--fencing on|off</c>.</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>Whether every node gets <c>--peer-http</c> for every peer (followers then forward to the leader).</summary>
    public bool PeerHttp { get; init; }

    /// <summary>With <see cref="PeerHttp"/>: the ADDR:PORT every <c>--peer-http</c> names instead of the peer's real
    /// one, so a test can stand in for the leader and see what a follower forwards.</summary>
    public string? PeerHttpTarget { get; init; }

    /// <summary><c>--system</c>: raft (a cluster) or txn (each node its own transactional store).</summary>
    public string System { get; init; } = "raft";

    /// <summary><c>--isolation</c> for <c>--system txn</c> and <c>--system 2pc</c>.</summary>
    public string Isolation { get; init; } = "serializable";

    /// <summary>More arguments for every node (e.g. <c>--unsafe-heuristic</c>).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];
}

/// <summary>
/// A cluster of real <c>ddia-node</c> processes on 127.0.0.1, each with its own free ports and temporary data
/// directory. Dispose kills every process (paused ones too: SIGKILL needs no SIGCONT) it started (whole tree) and deletes the directories.
/// </summary>
internal sealed class NodeCluster : IDisposable
{
    public const string ForwardedHeader = "X-Ddia-Forwarded-By";

    private readonly NodeClusterOptions options;
    private readonly string root = Path.Combine(Path.GetTempPath(), "ddia-node-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<int, (int Http, int Peer)> ports = [];
    private readonly Dictionary<int, Process> processes = [];
    private readonly Dictionary<int, StringBuilder> output = [];
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public NodeCluster(int size, NodeClusterOptions? options = null)
    {
        this.options = options ?? new NodeClusterOptions();
        var free = FreePorts(2 * size);
        for (var id = 1; id <= size; id++) ports[id] = (free[2 * (id - 1)], free[2 * (id - 1) + 1]);
        try
        {
            foreach (var id in ports.Keys) Start(id);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyCollection<int> Ids => ports.Keys;

    public static string NodeDll { get; } = typeof(NodeCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeDll").Value!;

    /// <summary>Starts (or restarts) the node; <paramref name="extraArgs"/> apply to this start only (e.g. a test hook).</summary>
    public void Start(int id, IReadOnlyList<string>? extraArgs = null)
    {
        if (processes.TryGetValue(id, out var old) && !old.HasExited) throw new InvalidOperationException($"node {id} is running");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (options.System == "txn")
        {
            string[] txn =
            [
                NodeDll, "--system", "txn", "--id", Str(id), "--listen-http", $"127.0.0.1:{Str(ports[id].Http)}",
                "--data", Path.Combine(root, "n" + Str(id)), "--isolation", options.Isolation,
            ];
            foreach (var a in txn) info.ArgumentList.Add(a);
        }
        else if (options.System == "2pc")
        {
            // Every node names every other one's client endpoint: that is a 2pc node's only address.
            string[] twoPc =
            [
                NodeDll, "--system", "2pc", "--id", Str(id), "--listen-http", $"127.0.0.1:{Str(ports[id].Http)}",
                "--data", Path.Combine(root, "n" + Str(id)), "--isolation", options.Isolation,
            ];
            foreach (var a in twoPc) info.ArgumentList.Add(a);
            foreach (var (peer, p) in ports)
            {
                if (peer == id) continue;
                info.ArgumentList.Add("--peer-http");
                info.ArgumentList.Add($"{Str(peer)}=127.0.0.1:{Str(p.Http)}");
            }
        }
        else
        {
            AddRaftArguments(info, id);
        }
        foreach (var a in options.ExtraArgs.Concat(extraArgs ?? [])) info.ArgumentList.Add(a);
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

    private void AddRaftArguments(ProcessStartInfo info, int id)
    {
        string[] args =
        [
            NodeDll, "--system", "raft", "--id", Str(id),
            "--listen-http", $"127.0.0.1:{Str(ports[id].Http)}", "--listen-peer", $"127.0.0.1:{Str(ports[id].Peer)}",
            "--data", Path.Combine(root, "n" + Str(id)), "--seed", Str(id),
            "--read-mode", options.ReadMode, "--fencing", options.Fencing ? "on" : "off",
        ];
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (peer, p) in ports)
        {
            if (peer == id) continue;
            info.ArgumentList.Add("--peer");
            info.ArgumentList.Add($"{Str(peer)}=127.0.0.1:{Str(p.Peer)}");
            if (!options.PeerHttp) continue;
            info.ArgumentList.Add("--peer-http");
            info.ArgumentList.Add($"{Str(peer)}={options.PeerHttpTarget ?? "127.0.0.1:" + Str(p.Http)}");
        }
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

    public Uri Url(int id, string path) => new($"http://127.0.0.1:{Str(ports[id].Http)}{path}");

    /// <summary>The node's /admin/status, or null when it does not answer.</summary>
    public async Task<JsonElement?> Status(int id)
    {
        try
        {
            using var response = await http.GetAsync(Url(id, "/admin/status")).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<(HttpStatusCode Code, JsonElement Body)> Post(int id, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(Url(id, path), body).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false));
    }

    /// <summary>Posts <paramref name="json"/> as it is (it may be malformed), optionally as a request another node
    /// forwarded; returns the status and the raw body.</summary>
    public async Task<(HttpStatusCode Code, string Body)> PostRaw(int id, string path, string json, string? forwardedBy = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(id, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (forwardedBy is not null) request.Headers.Add(ForwardedHeader, forwardedBy);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    /// <summary>The current leader, once all nodes agree on it.</summary>
    public Task<int> Leader() => WaitForStableLeader(Ids, TimeSpan.FromSeconds(10));

    /// <summary>
    /// Waits until, among <paramref name="among"/>, exactly one node is leader, every one of them answers, and all
    /// name it as leader in the same term. Returns its id.
    /// </summary>
    public async Task<int> WaitForStableLeader(IReadOnlyCollection<int> among, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        string last = "";
        while (deadline.Elapsed < timeout)
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
                var term = leaders[0].GetProperty("term").GetInt64();
                if (statuses.All(s => s.GetProperty("leaderId").ValueKind == JsonValueKind.Number
                                      && s.GetProperty("leaderId").GetInt32() == leader
                                      && s.GetProperty("term").GetInt64() == term))
                    return leader;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"no stable leader among {string.Join(",", among)} within {timeout}: {last}\n{Logs()}");
    }

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
        http.Dispose();
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

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

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
}
