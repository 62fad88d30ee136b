using Ddia.Verify.Node.Versioned;
using Ddia.Verify.Systems.Replication.Versioned;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node.MultiLeader;

/// <summary><c>ddia-node --system multi-leader</c>: the client API of <see cref="VersionedApi"/> on every node, the
/// <c>/peer/replicate</c> route of <see cref="MultiLeaderNode"/>, and <c>GET /admin/status</c>.</summary>
internal static class MultiLeaderApp
{
    internal sealed record ReplicateRequest(int? From, ReplicatedEntry?[]? Entries);

    internal sealed record ReplicatedEntry(long? Q, string? K, SiblingDto?[]? S);

    public static async Task<int> RunAsync(NodeOptions options)
    {
        using var node = new MultiLeaderNode(options);
        var app = HttpApi.NewApp(options);
        app.MapPost("/kv/get", (VersionedApi.GetRequest r) =>
            r.Key is null ? HttpApi.BadRequest("key is required") : VersionedApi.Values(node.Get(r.Key)));
        app.MapPost("/kv/put", async (VersionedApi.PutRequest r) =>
        {
            if (VersionedApi.Validate(r, out var context) is { } bad) return bad;
            await node.Put(r.Key!, r.Value!, context).ConfigureAwait(false);
            return VersionedApi.Ok();
        });
        app.MapPost("/peer/replicate", async (ReplicateRequest r) =>
        {
            if (r.From is not { } from || r.Entries is null) return HttpApi.BadRequest("from and entries are required");
            var entries = new List<(long, string, Siblings)>();
            foreach (var e in r.Entries)
            {
                if (e is not { Q: { } q, K: { } k } || SiblingJson.FromDto(node.Policy, e.S) is not { } s)
                    return HttpApi.BadRequest("malformed entry");
                entries.Add((q, k, s));
            }
            return Results.Json(new { acked = await node.Apply(from, entries).ConfigureAwait(false) });
        });
        app.MapGet("/admin/status", () => Results.Json(node.Status()));
        HttpApi.MapClock(app, node.Clock);
        node.Start();
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
