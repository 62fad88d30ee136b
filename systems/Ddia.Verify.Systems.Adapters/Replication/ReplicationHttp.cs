using System.Net.Http.Json;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Replication;

/// <summary>What one request did, as far as the client can tell.</summary>
internal enum Done
{
    /// <summary>200: done; read <see cref="ReplicationAnswer.Body"/>.</summary>
    Yes,

    /// <summary>Definitely not done: a refused connection, 400, 404, 409 (conflict or not-leader), 503.</summary>
    No,

    /// <summary>Maybe done: 504, the connection broke after the request was sent, no answer in time, an unreadable or
    /// unexpected answer.</summary>
    Unknown,
}

/// <summary>One answer of a replication node: the outcome, the JSON body (default when there was none), the error to
/// record, and the leader a not-leader answer named.</summary>
internal sealed record ReplicationAnswer(Done Done, JsonElement Body, string? Error, string? Leader = null)
{
    public static ReplicationAnswer No(string error) => new(Done.No, default, error);

    public static ReplicationAnswer Unknown(string error) => new(Done.Unknown, default, error);

    /// <summary>A status code and its body, classified by the contract (every system answers the same way).</summary>
    public static ReplicationAnswer Classify(int status, JsonElement body)
    {
        var error = Text(body, "error");
        // An unavailable node says why (no quorum, no leader known): keep it in the op's error for the report.
        if (error is not null && Text(body, "reason") is { } reason && reason != error) error = $"{error}: {reason}";
        return status switch
        {
            200 => new(Done.Yes, body, null),
            409 or 503 => new(Done.No, body, error ?? (status == 409 ? "conflict" : "unavailable"), Text(body, "leader")),
            400 or 404 or 405 => new(Done.No, body, error ?? $"http {status}"),
            504 => new(Done.Unknown, body, error ?? "timeout"),
            _ => new(Done.Unknown, body, error ?? $"http {status}"),
        };
    }

    /// <summary>The string property <paramref name="name"/> of <paramref name="json"/>, or null.</summary>
    public static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// Sends one request to one node, once, and classifies the answer. A not-leader answer's leader becomes the
/// connection's target for the NEXT op (the refused request is never resent: STYLE.md G20); a node that refuses
/// connections is skipped for the next node in order. Cancellation by the harness propagates; the op's own
/// <paramref name="deadline"/> turns into <see cref="Done.Unknown"/> "timeout".
/// </summary>
internal static class ReplicationHttp
{
    public static async Task<ReplicationAnswer> PostAsync(ClusterConnection connection, Node node, string path, object body,
        CancellationToken deadline, CancellationToken cancellation)
    {
        try
        {
            using var response = await connection.Http.PostAsJsonAsync(connection.Url(node, path), body, deadline).ConfigureAwait(false);
            JsonElement json;
            try
            {
                json = await response.Content.ReadFromJsonAsync<JsonElement>(deadline).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                // 200 with a body we cannot read: it may have been done. An error status says enough without a body.
                if ((int)response.StatusCode == 200) return ReplicationAnswer.Unknown($"unreadable answer: {e.Message}");
                json = default;
            }
            var answer = ReplicationAnswer.Classify((int)response.StatusCode, json);
            if (answer.Leader is { } leader) connection.MoveTo(leader);
            return answer;
        }
        catch (HttpRequestException e) when (NodeHttp.IsConnectFailure(e))
        {
            // Nothing reached the node: definitely not done. Try another node next time.
            connection.MoveOn(node);
            return ReplicationAnswer.No("connection-refused");
        }
        catch (HttpRequestException e)
        {
            // Sent, but the answer was lost (reset, closed): the node may have done it.
            return ReplicationAnswer.Unknown(e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return ReplicationAnswer.Unknown("timeout");
        }
        catch (OperationCanceledException)
        {
            // The handler's connect timeout: the request was never sent.
            connection.MoveOn(node);
            return ReplicationAnswer.No("connect-timeout");
        }
    }
}
