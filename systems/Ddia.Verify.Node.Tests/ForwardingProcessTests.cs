using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>What a follower sends the leader, seen by a stand-in: every <c>--peer-http</c> names an HttpListener of
/// the test instead of the real node.</summary>
[Trait("Category", "Process")]
public sealed class ForwardingProcessTests
{
    private const string FakeAnswer = """{"ok":true,"value":"from-the-stand-in","index":77}""";

    [Fact]
    public async Task Follower_ForwardsOnceWithTheForwardedByHeader_AndRelaysTheAnswerUnchanged()
    {
        var port = NodeProcesses.FreePorts(1)[0];
        var standIn = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        using var fake = new HttpListener();
        fake.Prefixes.Add($"http://{standIn}/");
        fake.Start();
        var received = new ConcurrentQueue<(string Path, string? By, string Body)>();
        var serving = Serve(fake, received);
        using var cluster = new NodeCluster(3, new NodeClusterOptions { PeerHttp = true, PeerHttpTarget = standIn });
        var leader = await cluster.Leader();
        var follower = cluster.Ids.First(id => id != leader);
        var key = Api.UniqueKey("fake");

        // The follower's answer is the stand-in's, status and body unchanged.
        var (code, body) = await cluster.PostRaw(follower, "/kv/write", JsonSerializer.Serialize(new { key, value = "v" }));
        Assert.Equal(HttpStatusCode.Accepted, code);
        Assert.Equal(FakeAnswer, body);
        var request = Assert.Single(received);
        Assert.Equal("/kv/write", request.Path);
        Assert.Equal(Api.Name(follower), request.By);
        using (var sent = JsonDocument.Parse(request.Body))
        {
            Assert.Equal(key, sent.RootElement.GetProperty("key").GetString());
            Assert.Equal("v", sent.RootElement.GetProperty("value").GetString());
        }

        // Already forwarded once: answered here, not passed on.
        (code, body) = await cluster.PostRaw(follower, "/kv/write", JsonSerializer.Serialize(new { key, value = "w" }), forwardedBy: "n9");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains(Api.Name(leader), body, StringComparison.Ordinal);
        // The leader answers for itself.
        Assert.True((await cluster.Applied(leader, "/kv/write", new { key, value = "x" })).Ok());
        Assert.Single(received);

        // Leader unreachable: nothing was done, so "not-leader" (503, no leader named), not "timeout".
        fake.Stop();
        await serving;
        (code, body) = await cluster.PostRaw(follower, "/kv/write", JsonSerializer.Serialize(new { key, value = "y" }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        using var unreachable = JsonDocument.Parse(body);
        Assert.Equal("not-leader", unreachable.RootElement.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, unreachable.RootElement.GetProperty("leader").ValueKind);
        Assert.Equal("x", await cluster.ReadValue(leader, key));
    }

    private static async Task Serve(HttpListener listener, ConcurrentQueue<(string, string?, string)> received)
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.Headers[NodeCluster.ForwardedHeader],
                    await reader.ReadToEndAsync().ConfigureAwait(false)));
            }
            context.Response.StatusCode = (int)HttpStatusCode.Accepted;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(FakeAnswer);
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }
}
