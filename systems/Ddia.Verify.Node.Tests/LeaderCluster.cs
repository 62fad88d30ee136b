using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// Three (or more) real <c>ddia-node --system leader</c> processes on 127.0.0.1, each with a free port and its own
/// temporary data directory; every node names every other with <c>--peer-http</c>. <paramref name="args"/> go to every
/// node (e.g. <c>--replication async</c>), <paramref name="environment"/> into every node's environment (e.g. the
/// snapshot interval). Dispose kills every process (paused ones too) and deletes the directories.
/// </summary>
internal sealed class LeaderCluster(int size, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null) : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "ddia-leader-tests-" + Guid.NewGuid().ToString("N"));
    private readonly int[] ports = NodeCluster.FreePorts(size);
    private readonly Dictionary<int, Process> processes = [];
    private readonly Dictionary<int, StringBuilder> output = [];
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public IEnumerable<int> Ids => Enumerable.Range(1, size);

    public static async Task<LeaderCluster> StartAsync(int size, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cluster = new LeaderCluster(size, args, environment);
        try
        {
            // The first leader (n1) first: with naive failover, followers that come up long before it (a loaded machine
            // starts processes seconds apart) would elect one of themselves.
            cluster.Start(1);
            await cluster.WaitUp(1).ConfigureAwait(false);
            foreach (var id in cluster.Ids.Skip(1)) cluster.Start(id);
            foreach (var id in cluster.Ids) await cluster.WaitUp(id).ConfigureAwait(false);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        return cluster;
    }

    public string DataDir(int id) => Path.Combine(root, "n" + Str(id));

    public void Start(int id)
    {
        if (processes.TryGetValue(id, out var old) && !old.HasExited) throw new InvalidOperationException($"n{id} is running");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] common = [NodeCluster.NodeDll, "--system", "leader", "--id", Str(id), "--listen-http", Address(id), "--data", DataDir(id), "--seed", Str(id)];
        foreach (var a in common) info.ArgumentList.Add(a);
        foreach (var peer in Ids.Where(p => p != id))
        {
            info.ArgumentList.Add("--peer-http");
            info.ArgumentList.Add($"{Str(peer)}={Address(peer)}");
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
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

    private string Address(int id) => "127.0.0.1:" + Str(ports[id - 1]);

    /// <summary>kill -9; waits until it is gone.</summary>
    public void Kill(int id)
    {
        var p = processes[id];
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        p.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP: the node keeps its sockets but does nothing, like a long GC pause.</summary>
    public void Pause(int id) => Signal(id, "STOP");

    public void Resume(int id) => Signal(id, "CONT");

    private void Signal(int id, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, Str(processes[id].Id)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {signal} n{id} exited with {kill.ExitCode}");
    }

    public async Task WaitUp(int id)
    {
        Assert.True(await Eventually(async () => await Status(id).ConfigureAwait(false) is not null, TimeSpan.FromSeconds(30)).ConfigureAwait(false),
            $"n{id} never answered\n{Logs()}");
    }

    /// <summary>The node's /admin/status, or null when it does not answer.</summary>
    public async Task<JsonElement?> Status(int id)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await http.GetAsync(Url(id, "/admin/status"), cancel.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<long> StatusLong(int id, string field) => (await Status(id).ConfigureAwait(false))?.GetProperty(field).GetInt64() ?? -1;

    public async Task<(HttpStatusCode Code, JsonElement Body)> Post(int id, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(Url(id, path), body).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false));
    }

    public Task<(HttpStatusCode Code, JsonElement Body)> Put(int id, string key, string value, string? context = null) =>
        Post(id, "/kv/put", new { key, value, context });

    /// <summary>A put that must be acknowledged (200 ok).</summary>
    public async Task PutOk(int id, string key, string value)
    {
        var (code, body) = await Put(id, key, value).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"put {key} at n{id}: {code} {body.GetRawText()}\n{Logs()}");
    }

    /// <summary>The values /kv/get answers at the node (which must serve it), and its context.</summary>
    public async Task<(string[] Values, string Context)> Get(int id, string key)
    {
        var (code, body) = await Post(id, "/kv/get", new { key }).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"get {key} at n{id}: {code} {body.GetRawText()}");
        return ([.. body.GetProperty("values").EnumerateArray().Select(v => v.GetString()!)], body.GetProperty("context").GetString()!);
    }

    /// <summary>The one node whose status says leader among <paramref name="among"/>, once the others answer naming it.</summary>
    public async Task<int> WaitForLeader(IReadOnlyCollection<int> among, TimeSpan timeout)
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
                if (statuses.All(s => s.GetProperty("leaderId").ValueKind == JsonValueKind.Number && s.GetProperty("leaderId").GetInt32() == leader))
                    return leader;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"no leader among {string.Join(",", among)} within {timeout}: {last}\n{Logs()}");
    }

    public Uri Url(int id, string path) => new($"http://{Address(id)}{path}");

    public static async Task<bool> Eventually(Func<Task<bool>> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await done().ConfigureAwait(false)) return true;
            await Task.Delay(50).ConfigureAwait(false);
        }
        return await done().ConfigureAwait(false);
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

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
}
