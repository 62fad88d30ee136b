using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>How ddia-node answered one request, classified once for every client.</summary>
internal enum Outcome
{
    /// <summary>200: the command took effect, or definitely did nothing (ok false); read <see cref="RaftAnswer.Body"/>.</summary>
    Applied,

    /// <summary>Definitely not done: not the leader (409/503), a refused connection, a rejected request (400).</summary>
    NotDone,

    /// <summary>Maybe done: the node timed out (504), the connection broke mid-request, or an unexpected answer.</summary>
    Unknown,
}

internal sealed record RaftAnswer(Outcome Outcome, JsonElement Body, string? Error)
{
    public bool Ok => Outcome == Outcome.Applied && Body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True;

    public string? Text(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public long? Number(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
}

/// <summary>
/// How a client talks to ddia-node: sends each request once to its connection's current node and classifies the
/// answer. A not-leader answer names the leader; the NEXT request goes there (the refused one is never resent:
/// STYLE.md G20). A node that refuses connections is skipped for the next node in order, so a client whose node
/// was killed keeps working. Not thread-safe beyond what HttpClient is: one op at a time per client.
/// </summary>
internal static class RaftHttp
{
    /// <summary>POSTs <paramref name="body"/> once. Cancellation by the caller propagates (the harness records info).</summary>
    public static async Task<RaftAnswer> PostAsync(ClusterConnection connection, string path, object body, CancellationToken cancellation)
    {
        var node = connection.Target;
        HttpResponseMessage response;
        try
        {
            response = await connection.Http.PostAsJsonAsync(connection.Url(node, path), body, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (NodeHttp.IsConnectFailure(e))
        {
            // Nothing reached the node: definitely not done. Try another node next time.
            connection.MoveOn(node);
            return new RaftAnswer(Outcome.NotDone, default, "connection-refused");
        }
        catch (HttpRequestException e)
        {
            return new RaftAnswer(Outcome.Unknown, default, e.Message);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The connect timeout of the handler: the request was never sent.
            connection.MoveOn(node);
            return new RaftAnswer(Outcome.NotDone, default, "connect-timeout");
        }

        using (response)
        {
            JsonElement json;
            try
            {
                json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or HttpRequestException or NotSupportedException)
            {
                // The node may have applied it before the answer broke.
                return new RaftAnswer(Outcome.Unknown, default, $"unreadable answer ({(int)response.StatusCode}): {e.Message}");
            }
            var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e2) && e2.ValueKind == JsonValueKind.String
                ? e2.GetString()
                : null;
            // A store's abort says why (lock-timeout, write-conflict, …): keep it in the op's error for the report.
            if (error is not null && json.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String && reason.GetString() != error)
                error = $"{error}: {reason.GetString()}";
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return new RaftAnswer(Outcome.Applied, json, error);
                case HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable:
                    FollowHint(connection, json);
                    return new RaftAnswer(Outcome.NotDone, json, error ?? "not-leader");
                case HttpStatusCode.BadRequest:
                    return new RaftAnswer(Outcome.NotDone, json, error ?? "bad-request");
                default:
                    return new RaftAnswer(Outcome.Unknown, json, error ?? $"http {(int)response.StatusCode}");
            }
        }
    }

    private static void FollowHint(ClusterConnection connection, JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("leader", out var l) || l.ValueKind != JsonValueKind.String) return;
        connection.MoveTo(l.GetString());
    }
}
