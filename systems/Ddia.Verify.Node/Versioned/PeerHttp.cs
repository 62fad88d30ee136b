using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Node.Versioned;

/// <summary>A peer's answer: its HTTP status and JSON body.</summary>
internal sealed record PeerReply(HttpStatusCode Status, JsonElement Body)
{
    public bool Ok => Status == HttpStatusCode.OK;
}

/// <summary>How a call to a peer ended without an answer.</summary>
internal enum PeerFailure
{
    /// <summary>The connection was refused or never made: the peer got nothing.</summary>
    NotSent,
    /// <summary>Sent, but no answer in time: the peer may or may not have acted on it.</summary>
    NoAnswer,
}

/// <summary>
/// Node-to-node HTTP/JSON calls to the peers' client endpoints (<c>--peer-http</c>), each with its own short timeout
/// so that a paused or partitioned peer costs a bounded wait.
/// </summary>
internal sealed class PeerHttp(IReadOnlyDictionary<int, IPEndPoint> peers) : IDisposable
{
    private readonly HttpClient http = PeerEndpoints.NewClient();

    public IReadOnlyCollection<int> Ids => [.. peers.Keys];

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> on <paramref name="node"/>; the reply, or why there is none.</summary>
    public async Task<(PeerReply? Reply, PeerFailure Failure)> PostAsync(int node, string path, object body, TimeSpan timeout,
        string? forwardedBy = null, CancellationToken ct = default)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        var url = PeerEndpoints.Url(peers[node], path);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body, options: SiblingJson.Options) };
        if (forwardedBy is not null) request.Headers.Add(PeerEndpoints.ForwardedHeader, forwardedBy);
        try
        {
            using var response = await http.SendAsync(request, cancel.Token).ConfigureAwait(false);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancel.Token).ConfigureAwait(false);
            return (new PeerReply(response.StatusCode, json), PeerFailure.NoAnswer);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError || e.InnerException is SocketException)
        {
            return (null, PeerFailure.NotSent);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or IOException)
        {
            if (ct.IsCancellationRequested) throw;
            return (null, PeerFailure.NoAnswer);
        }
    }

    public void Dispose() => http.Dispose();
}
