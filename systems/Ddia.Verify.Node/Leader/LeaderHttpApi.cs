using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node.Leader;

/// <summary>
/// The client API of --system leader (the replication contract): POST /kv/get {key} → {values, context} (context: the
/// key's version, the index of its last write, "0" when absent); POST /kv/put {key, value, context?} → {ok:true}, 409
/// conflict when a context is given and the key has changed since; POST /kv/cas {key, from, to} → {ok}; at a node that
/// does not serve the request 409 not-leader naming the leader (503 when none is known); 504 timeout when a write was
/// logged but not acknowledged per --replication within 2 s. Admin: GET /admin/status, POST /admin/clock {offsetMs}.
/// Peer routes: see LeaderProtocol.cs.
/// </summary>
internal static class LeaderHttpApi
{
    public static WebApplication Build(NodeOptions options, LeaderNode node)
    {
        var app = HttpApi.NewApp(options);

        app.MapPost("/kv/get", (GetRequest r) =>
        {
            if (r.Key is null) return HttpApi.BadRequest("key is required");
            var read = node.Read(r.Key);
            if (!read.Served) return NotLeader(read.Leader);
            var version = read.Value?.Version ?? 0;
            string[] values = read.Value is { } v ? [v.Value] : [];
            return Results.Json(new { values, context = version.ToString(CultureInfo.InvariantCulture) });
        });
        app.MapPost("/kv/put", async (PutRequest r) =>
        {
            if (r.Key is null || r.Value is null) return HttpApi.BadRequest("key and value are required");
            long? expected = null;
            if (r.Context is not null)
            {
                if (!long.TryParse(r.Context, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                    return HttpApi.BadRequest("context must be a version from /kv/get (digits)");
                expected = version;
            }
            return Answer(await node.WriteAsync(r.Key, r.Value, expected).ConfigureAwait(false));
        });
        app.MapPost("/kv/cas", async (CasRequest r) =>
        {
            if (r.Key is null || r.To is null) return HttpApi.BadRequest("key and to are required");
            return Answer(await node.WriteAsync(r.Key, r.To, null, cas: true, from: r.From).ConfigureAwait(false));
        });

        app.MapGet("/admin/status", () => Results.Json(node.Status()));
        HttpApi.MapClock(app, node.Clock);

        app.MapPost("/peer/leader/append", (AppendRequest r) => Results.Json(node.OnAppend(r)));
        app.MapPost("/peer/leader/snapshot", (SnapshotRequest r) =>
            r.Snapshot is null ? HttpApi.BadRequest("snapshot is required") : Results.Json(node.OnSnapshot(r)));
        app.MapGet("/peer/leader/state", () => Results.Json(node.State()));
        return app;
    }

    private static IResult Answer(WriteOutcome outcome) => outcome.Status switch
    {
        WriteStatus.Ok => Results.Json(new { ok = true }),
        WriteStatus.CasFailed => Results.Json(new { ok = false }),
        WriteStatus.Conflict => Results.Json(new { error = "conflict" }, statusCode: StatusCodes.Status409Conflict),
        WriteStatus.NotLeader => NotLeader(outcome.Leader),
        _ => Results.Json(new { error = "timeout" }, statusCode: StatusCodes.Status504GatewayTimeout),
    };

    /// <summary>Definitely not done here: 409 naming the leader, or 503 when this node knows none.</summary>
    private static IResult NotLeader(int? leader) => leader is { } id
        ? Results.Json(new { error = "not-leader", leader = HttpApi.NodeName(id) }, statusCode: StatusCodes.Status409Conflict)
        : Results.Json(new { error = "unavailable", reason = "no leader known", leader = (string?)null }, statusCode: StatusCodes.Status503ServiceUnavailable);

    internal sealed record GetRequest(string? Key);

    internal sealed record PutRequest(string? Key, string? Value, string? Context);

    internal sealed record CasRequest(string? Key, string? From, string? To);

}
