using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Tests.Replication;

/// <summary>What a stub node answers to one request instead of the store: a status and body, a reset connection, or
/// a late answer.</summary>
internal sealed record StubReply(int Status = 200, string Body = """{"ok":true}""", bool Reset = false, TimeSpan Delay = default);

/// <summary>
/// Real HTTP endpoints that speak the replication contract's key-value API (<c>/kv/get</c>, <c>/kv/put</c>,
/// <c>/kv/cas</c>) over one shared in-memory store, for testing the client before ddia-node's replication systems
/// exist: nodes n1..n3 on 127.0.X.11-13 with one port. A key holds values (several: siblings) and a version, which is
/// the context a get returns; a put with a context replaces them only if the version is unchanged (else 409
/// conflict, as a single leader does), one without replaces them. <see cref="Override"/> makes a node misbehave.
/// </summary>
internal sealed class ContractStub : IDisposable
{
    private readonly List<HttpListener> listeners = [];
    private readonly Dictionary<string, (List<string> Values, long Version)> store = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    private ContractStub(ImmutableArray<Node> nodes, int port)
    {
        Nodes = nodes;
        Port = port;
    }

    public ImmutableArray<Node> Nodes { get; }

    public int Port { get; }

    /// <summary>Every request in arrival order: the node it reached, its path and its JSON body.</summary>
    public ConcurrentQueue<(string Node, string Path, JsonElement Body)> Requests { get; } = new();

    /// <summary>Given (node, path, body): a reply instead of the store's, or null for the store's.</summary>
    public Func<string, string, JsonElement, StubReply?>? Override { get; set; }

    /// <summary>Three listening nodes (and, with <paramref name="silent"/>, a fourth address nothing listens on).</summary>
    public static ContractStub Start(bool silent = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var net = Random.Shared.Next(2, 250);
            var port = Random.Shared.Next(20_000, 60_000);
            var names = silent ? 4 : 3;
            var nodes = Enumerable.Range(1, names).Select(i => new Node($"n{i}", $"127.0.{net}.{10 + i}")).ToImmutableArray();
            var stub = new ContractStub(nodes, port);
            try
            {
                foreach (var node in nodes.Take(3)) stub.Listen(node);
                return stub;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                stub.Dispose();   // the port is taken: another one
            }
        }
    }

    public void Seed(string key, params string[] values)
    {
        lock (gate) store[key] = ([.. values], 1);
    }

    public IReadOnlyList<string> ValuesOf(string key)
    {
        lock (gate) return store.TryGetValue(key, out var e) ? [.. e.Values] : [];
    }

    public List<(string Node, string Path, JsonElement Body)> RequestsTo(string path) => [.. Requests.Where(r => r.Path == path)];

    public void Dispose()
    {
        foreach (var l in listeners)
        {
            try
            {
                l.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void Listen(Node node)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"http://{node.Address}:{Port}/"));
        listener.Start();
        listeners.Add(listener);
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                _ = Task.Run(() => ServeAsync(node.Name, context));
            }
        });
    }

    private async Task ServeAsync(string node, HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
            var path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue((node, path, body));
            var reply = Override?.Invoke(node, path, body) ?? Store(path, body);
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay);
            if (reply.Reset)
            {
                context.Response.Abort();
                return;
            }
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (a test's timeout) or the stub is closing.
        }
    }

    private StubReply Store(string path, JsonElement body)
    {
        var key = body.GetProperty("key").GetString()!;
        lock (gate)
        {
            var (values, version) = store.TryGetValue(key, out var e) ? e : ([], 0);
            switch (path)
            {
                case "/kv/get":
                    return new(Body: JsonSerializer.Serialize(new { values, context = version.ToString(CultureInfo.InvariantCulture) }));
                case "/kv/put":
                    var context = body.GetProperty("context");
                    if (context.ValueKind == JsonValueKind.String && context.GetString() != version.ToString(CultureInfo.InvariantCulture))
                        return new(409, """{"error":"conflict"}""");
                    store[key] = ([body.GetProperty("value").GetString()!], version + 1);
                    return new();
                case "/kv/cas":
                    var from = body.GetProperty("from");
                    var current = values.Count == 1 ? values[0] : null;
                    if (values.Count > 1 || current != (from.ValueKind == JsonValueKind.Null ? null : from.GetString())) return new(Body: """{"ok":false}""");
                    store[key] = ([body.GetProperty("to").GetString()!], version + 1);
                    return new();
                default:
                    return new(404, """{"error":"no such route"}""");
            }
        }
    }
}
