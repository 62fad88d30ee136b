using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Nemesis.Tests;

/// <summary>
/// A real HTTP endpoint for the clock nemesis's tests: a TcpListener on a loopback address that answers
/// <c>POST /admin/clock</c> the way the reference node does (<c>{"offsetMs":..,"wallNowMs":..}</c>) and
/// records every offset it was given. HTTP/1.1 with Connection: close, enough for HttpClient.
/// </summary>
internal sealed class ClockServer : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public ClockServer(IPAddress address, int port = 0, bool answer = true)
    {
        listener = new TcpListener(address, port);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        // A server that never accepts still completes TCP handshakes (the backlog): a node that hangs.
        loop = answer ? Task.Run(AcceptLoop) : Task.CompletedTask;
    }

    public int Port { get; }

    public ConcurrentQueue<long> Offsets { get; } = new();

    public ConcurrentQueue<string> Paths { get; } = new();

    private async Task AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var n = await stream.ReadAsync(chunk);
            if (n == 0) return;
            buffer.AddRange(chunk.AsSpan(0, n));
        }
        var head = Encoding.ASCII.GetString([.. buffer.Take(headerEnd)]);
        var lines = head.Split("\r\n");
        var path = lines[0].Split(' ')[1];
        var length = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
        while (buffer.Count < headerEnd + 4 + length)
        {
            var n = await stream.ReadAsync(chunk);
            if (n == 0) return;
            buffer.AddRange(chunk.AsSpan(0, n));
        }
        Paths.Enqueue(path);
        string status, body;
        if (path == "/admin/clock")
        {
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString([.. buffer.Skip(headerEnd + 4).Take(length)]));
            var offset = json.RootElement.GetProperty("offsetMs").GetInt64();
            Offsets.Enqueue(offset);
            (status, body) = ("200 OK", string.Create(CultureInfo.InvariantCulture, $"{{\"offsetMs\":{offset},\"wallNowMs\":{1_000_000 + offset}}}"));
        }
        else
        {
            (status, body) = ("404 Not Found", "{}");
        }
        var response = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
    }

    private static int IndexOfHeaderEnd(List<byte> b)
    {
        for (var i = 0; i + 3 < b.Count; i++)
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await loop;
        listener.Dispose();
        stop.Dispose();
    }
}
