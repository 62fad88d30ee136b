using Ddia.Verify.Node.Versioned;
using Ddia.Verify.Systems.Replication.Versioned;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node.Leaderless;

/// <summary><c>ddia-node --system leaderless</c>: the client API of <see cref="VersionedApi"/> on every node (each one a
/// coordinator), the <c>/peer/write</c> and <c>/peer/read</c> routes of <see cref="LeaderlessNode"/>, and <c>GET /admin/status</c>.</summary>
internal static class LeaderlessApp
{
    internal sealed record PeerReadRequest(string? K);

    public static async Task<int> RunAsync(NodeOptions options)
    {
        using var node = new LeaderlessNode(options);
        var app = HttpApi.NewApp(options);
        app.MapPost("/kv/get", async (VersionedApi.GetRequest r) =>
        {
            if (r.Key is null) return HttpApi.BadRequest("key is required");
            return await node.GetAsync(r.Key).ConfigureAwait(false) is { } siblings
                ? VersionedApi.Values(siblings)
                : VersionedApi.Unavailable($"fewer than r={node.Quorum.R} replicas answered");
        });
        app.MapPost("/kv/put", async (HttpContext c, VersionedApi.PutRequest r) =>
        {
            if (VersionedApi.Validate(r, out var context) is { } bad) return bad;
            if (node.MustForward(r.Key!) && !c.Request.Headers.ContainsKey(PeerEndpoints.ForwardedHeader))
            {
                var (reply, sent) = await node.ForwardPutAsync(r).ConfigureAwait(false);
                return reply is not null ? VersionedApi.Relay(reply)
                    : sent ? VersionedApi.Timeout()
                    : VersionedApi.Unavailable("no home replica of the key is reachable");
            }
            return await node.PutAsync(r.Key!, r.Value!, context).ConfigureAwait(false) switch
            {
                WriteOutcome.Acked => VersionedApi.Ok(),
                WriteOutcome.NotDone => VersionedApi.Unavailable("no replica of the key is reachable"),
                _ => VersionedApi.Timeout(),
            };
        });
        app.MapPost("/peer/write", async (VersionedApi.PeerWrite w) =>
        {
            if (w.K is null || SiblingJson.FromDto(node.Policy, w.S) is not { } siblings) return HttpApi.BadRequest("k and s are required");
            await node.Accept(w.K, siblings, w.Hint).ConfigureAwait(false);
            return VersionedApi.Ok();
        });
        app.MapPost("/peer/read", (PeerReadRequest r) =>
            r.K is null ? HttpApi.BadRequest("k is required") : Results.Json(new { s = SiblingJson.ToDto(node.Local(r.K)) }));
        app.MapGet("/admin/status", () => Results.Json(node.Status()));
        HttpApi.MapClock(app, node.Clock);
        node.Start();
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
