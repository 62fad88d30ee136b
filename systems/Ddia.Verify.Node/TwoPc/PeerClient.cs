using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ddia.Verify.Node.Txn;

namespace Ddia.Verify.Node.TwoPc;

internal enum AnswerKind
{
    /// <summary>Done (a read's value in <see cref="ParticipantAnswer.Value"/>).</summary>
    Ok,
    /// <summary>A definite no: the participant aborted its part (<see cref="ParticipantAnswer.Reason"/> says why).</summary>
    Aborted,
    /// <summary>No answer (unreachable, timed out) or an unknown outcome (its log write failed): it may or may not
    /// have happened.</summary>
    Unavailable,
}

/// <summary>A participant's answer to one 2pc request, the same whether it came in-process or over HTTP.</summary>
internal sealed record ParticipantAnswer(AnswerKind Kind, IReadOnlyList<long>? Value = null, string? Reason = null)
{
    public static readonly ParticipantAnswer Done = new(AnswerKind.Ok);

    public static ParticipantAnswer No(string reason) => new(AnswerKind.Aborted, Reason: reason);

    public static ParticipantAnswer Unavailable(string reason) => new(AnswerKind.Unavailable, Reason: reason);
}

/// <summary>HTTP calls to the peers' /2pc routes. Short timeouts: a participant that does not answer in time counts as
/// a no vote during phase 1 (safe: the decision is not made yet), and as "retry later" in phase 2.</summary>
internal sealed class PeerClient(IReadOnlyDictionary<int, IPEndPoint> peers) : IDisposable
{
    /// <summary>Ops and prepare: twice the participant's 1 s lock wait, so its own lock-timeout answer usually arrives
    /// first and names the real reason (a first request to a freshly started peer also pays its JIT).</summary>
    public static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan DecisionTimeout = TimeSpan.FromSeconds(1);

    private readonly HttpClient http = PeerEndpoints.NewClient();

    private Uri Url(int node, string path) => PeerEndpoints.Url(peers[node], path);

    /// <summary>POST /2pc/{gtid}/{action} with <paramref name="body"/>.</summary>
    public async Task<ParticipantAnswer> SendAsync(int node, string gtid, string action, object? body, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        try
        {
            using var response = await http.PostAsJsonAsync(Url(node, $"/2pc/{Uri.EscapeDataString(gtid)}/{action}"), body ?? new { }, cancel.Token)
                .ConfigureAwait(false);
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancel.Token).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    IReadOnlyList<long>? value = null;
                    if (answer.TryGetProperty("value", out var v) && !TxnHttpApi.TryList(v, out value))
                        return ParticipantAnswer.Unavailable("malformed value");
                    return new ParticipantAnswer(AnswerKind.Ok, value);
                case HttpStatusCode.Conflict:
                    return ParticipantAnswer.No(answer.TryGetProperty("reason", out var r) ? r.GetString() ?? "aborted" : "aborted");
                default:
                    return ParticipantAnswer.Unavailable(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}"));
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
            if (ct.IsCancellationRequested) throw;
            return ParticipantAnswer.Unavailable(e.GetType().Name);
        }
    }

    /// <summary>GET /2pc/{gtid}/decision from the coordinator: commit, abort, pending, or null when it does not answer.</summary>
    public async Task<string?> DecisionAsync(int coordinator, string gtid, CancellationToken ct)
    {
        if (!peers.ContainsKey(coordinator)) return null;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(DecisionTimeout);
        try
        {
            using var response = await http.GetAsync(Url(coordinator, $"/2pc/{Uri.EscapeDataString(gtid)}/decision"), cancel.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancel.Token).ConfigureAwait(false);
            return answer.TryGetProperty("decision", out var d) ? d.GetString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
            if (ct.IsCancellationRequested) throw;
            return null;
        }
    }

    public void Dispose() => http.Dispose();
}
