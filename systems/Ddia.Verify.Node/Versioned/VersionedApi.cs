using Ddia.Verify.Systems.Replication.Versioned;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node.Versioned;

/// <summary>
/// The client API both versioned systems share (multi-leader, leaderless; the replication contract):
/// <c>POST /kv/get {"key"}</c> → <c>{"values": [...], "context": "..."}</c>; <c>POST /kv/put {"key","value","context"}</c>
/// → <c>{"ok": true}</c>; <c>POST /admin/clock {"offsetMs"}</c>. The context is the read's merged version vector
/// ("1:3,2:5"): opaque to clients, who only pass it back.
/// </summary>
internal static class VersionedApi
{
    internal sealed record GetRequest(string? Key);

    internal sealed record PutRequest(string? Key, string? Value, string? Context);

    /// <summary>A key's siblings on the wire between nodes; <see cref="Hint"/> names the home replica a sloppy quorum's
    /// stand-in holds the write for (leaderless only).</summary>
    internal sealed record PeerWrite(string? K, SiblingDto?[]? S, int? Hint);


    public static IResult Values(Siblings siblings) =>
        Results.Json(new { values = siblings.Items.Select(s => s.Value).ToArray(), context = siblings.Context.ToString() });

    public static IResult Ok() => Results.Json(new { ok = true });

    /// <summary>Definitely not done.</summary>
    public static IResult Unavailable(string reason) =>
        Results.Json(new { error = "unavailable", reason }, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>Unknown whether done.</summary>
    public static IResult Timeout() => Results.Json(new { error = "timeout" }, statusCode: StatusCodes.Status504GatewayTimeout);

    /// <summary>The put's problem, or null when it is well formed; <paramref name="context"/> is the empty vector for a
    /// blind write (no context).</summary>
    public static IResult? Validate(PutRequest request, out VersionVector context)
    {
        context = VersionVector.Empty;
        if (request.Key is null) return HttpApi.BadRequest("key is required");
        if (request.Value is null) return HttpApi.BadRequest("value is required");
        if (VersionVector.TryParse(request.Context) is not { } parsed) return HttpApi.BadRequest("context is malformed");
        context = parsed;
        return null;
    }

    /// <summary>A peer's answer relayed to the client as it is.</summary>
    public static IResult Relay(PeerReply reply) => Results.Json(reply.Body, statusCode: (int)reply.Status);
}
