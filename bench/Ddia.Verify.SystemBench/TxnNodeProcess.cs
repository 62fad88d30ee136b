using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ddia.Verify.SystemBench;

/// <summary>
/// One <c>ddia-node --system txn</c> process on 127.0.0.1 with a fresh temporary data directory. Disposing (or this
/// process exiting) kills it and deletes the directory, so that no run leaves a node or its log behind.
/// </summary>
internal sealed class TxnNodeProcess : IDisposable
{
    private const int OutputLines = 40;
    private readonly Process process;
    private readonly string directory;
    private readonly ConcurrentQueue<string> output = new();
    private int disposed;

    private TxnNodeProcess(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
        // A path that skips the callers' finally blocks (Environment.Exit) still ends the node; signals are turned into
        // cancellation by IsolationBench, since the runtime does not raise ProcessExit for them here.
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    public int Port { get; }
    public int Pid => process.Id;
    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    /// <summary>Starts the node and returns once GET /admin/status answers.</summary>
    public static async Task<TxnNodeProcess> StartAsync(string nodeProgram, string isolation, CancellationToken cancellation)
    {
        var directory = Directory.CreateTempSubdirectory("ddia-isolation-bench-").FullName;
        var port = FreePort();
        var info = new ProcessStartInfo
        {
            FileName = nodeProgram.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                ? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet"
                : nodeProgram,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (nodeProgram.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) info.ArgumentList.Add(nodeProgram);
        foreach (var a in new[] { "--system", "txn", "--id", "1", "--listen-http", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                     "--data", Path.Combine(directory, "data"), "--isolation", isolation })
            info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
        var node = new TxnNodeProcess(process, directory, port);
        try
        {
            process.OutputDataReceived += (_, e) => node.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await node.WaitReadyAsync(cancellation).ConfigureAwait(false);
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    /// <summary>The last lines the node printed, for a failure message.</summary>
    public string OutputTail() => string.Join('\n', output);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        Stop();
        process.Dispose();
    }

    private void OnExit(object? sender, EventArgs e) => Stop();

    private void Stop()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"could not delete {directory}: {e.Message}");
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > OutputLines) output.TryDequeue(out _);
    }

    private async Task WaitReadyAsync(CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"ddia-node exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)} while starting:\n{OutputTail()}");
            try
            {
                using var response = await http.GetAsync(new Uri("admin/status", UriKind.Relative), cancellation).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // The request timed out; try again.
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"ddia-node not ready after 30 s:\n{OutputTail()}");
            await Task.Delay(50, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>A port nobody listens on now; the node binds it a moment later (a race only another process could lose us).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
