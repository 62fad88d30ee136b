using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// A cluster of real <c>ddia-node --system multi-leader|leaderless</c> processes on 127.0.0.1, every node naming every
/// other one's client endpoint with <c>--peer-http</c>, each with its own temporary data directory. Dispose kills every
/// process (paused ones too) and deletes the directories. (<see cref="NodeCluster"/> starts the Raft, txn and 2pc forms.)
/// </summary>
internal sealed class VersionedCluster : IDisposable
{
    private readonly string system;
    private readonly IReadOnlyList<string> extraArgs;
    private readonly string root = Path.Combine(Path.GetTempPath(), "ddia-versioned-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<int, int> ports = [];
    private readonly Dictionary<int, Process> processes = [];
    private readonly Dictionary<int, StringBuilder> output = [];
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public VersionedCluster(string system, int size, params string[] extraArgs)
    {
        this.system = system;
        this.extraArgs = extraArgs;
        var free = NodeCluster.FreePorts(size);
        for (var id = 1; id <= size; id++) ports[id] = free[id - 1];
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

    public void Start(int id)
    {
        if (processes.TryGetValue(id, out var old) && !old.HasExited) throw new InvalidOperationException($"node {id} is running");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args = [NodeCluster.NodeDll, "--system", system, "--id", Str(id), "--listen-http", $"127.0.0.1:{Str(ports[id])}", "--data", Path.Combine(root, "n" + Str(id))];
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (peer, port) in ports.Where(p => p.Key != id))
        {
            info.ArgumentList.Add("--peer-http");
            info.ArgumentList.Add($"{Str(peer)}=127.0.0.1:{Str(port)}");
        }
        foreach (var a in extraArgs) info.ArgumentList.Add(a);
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

    /// <summary>kill -9; waits until it is gone.</summary>
    public void Kill(int id)
    {
        var p = processes[id];
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        p.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP: the node keeps its sockets but does nothing.</summary>
    public void Pause(int id) => Signal(id, "STOP");

    public void Resume(int id) => Signal(id, "CONT");

    private void Signal(int id, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, Str(processes[id].Id)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {signal} n{Str(id)} exited with {Str(kill.ExitCode)}");
    }

    /// <summary>Waits until every one of <paramref name="ids"/> (all when none) answers /admin/status.</summary>
    public async Task WaitUp(params int[] ids)
    {
        var clock = Stopwatch.StartNew();
        foreach (var id in ids.Length == 0 ? Ids : ids)
        {
            while (await Status(id).ConfigureAwait(false) is null)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"n{id} never answered\n" + Logs());
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    public async Task<JsonElement?> Status(int id)
    {
        try
        {
            using var response = await http.GetAsync(Url(id, "/admin/status")).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false) : null;
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

    /// <summary>POST /kv/put; the answer's status.</summary>
    public async Task<HttpStatusCode> Put(int id, string key, string value, string? context = null) =>
        (await Post(id, "/kv/put", new { key, value, context }).ConfigureAwait(false)).Code;

    /// <summary>POST /kv/get, insisting on 200: the values (sorted) and the context.</summary>
    public async Task<(string[] Values, string Context)> Get(int id, string key)
    {
        var (code, body) = await Post(id, "/kv/get", new { key }).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"/kv/get on n{id}: {code} {body.GetRawText()}\n{Logs()}");
        return (Sorted(body.GetProperty("values")), body.GetProperty("context").GetString()!);
    }

    /// <summary>Leaderless: the replica's own copy (<c>POST /peer/read</c>), values sorted.</summary>
    public async Task<string[]> Local(int id, string key)
    {
        var (code, body) = await Post(id, "/peer/read", new { k = key }).ConfigureAwait(false);
        Assert.Equal(HttpStatusCode.OK, code);
        return [.. body.GetProperty("s").EnumerateArray().Select(s => s.GetProperty("v").GetString()!).Order(StringComparer.Ordinal)];
    }

    public async Task SetClock(int id, long offsetMs)
    {
        var (code, body) = await Post(id, "/admin/clock", new { offsetMs }).ConfigureAwait(false);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(offsetMs, body.GetProperty("offsetMs").GetInt64());
    }

    private static string[] Sorted(JsonElement values) => [.. values.EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal)];

    private Uri Url(int id, string path) => new($"http://127.0.0.1:{Str(ports[id])}{path}");

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
