using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ddia.Verify.Node.Leader;

/// <summary>HTTP calls to the peers' /peer/leader routes. Short timeouts: a peer that does not answer in time is treated
/// as unreachable (the replication loop retries; a candidate leaves it out of the comparison).</summary>
internal sealed class LeaderPeerClient(IReadOnlyDictionary<int, IPEndPoint> peers) : IDisposable
{
    public static readonly TimeSpan AppendTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan StateTimeout = TimeSpan.FromMilliseconds(500);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient http = PeerEndpoints.NewClient();

    private Uri Url(int node, string path) => PeerEndpoints.Url(peers[node], path);

    public Task<PeerAnswer?> AppendAsync(int node, AppendRequest request, CancellationToken ct) =>
        CallAsync<PeerAnswer>(node, "/peer/leader/append", request, AppendTimeout, ct);

    public Task<PeerAnswer?> SnapshotAsync(int node, SnapshotRequest request, CancellationToken ct) =>
        CallAsync<PeerAnswer>(node, "/peer/leader/snapshot", request, SnapshotTimeout, ct);

    public Task<PeerState?> StateAsync(int node, CancellationToken ct) =>
        CallAsync<PeerState>(node, "/peer/leader/state", null, StateTimeout, ct);

    /// <summary>POST <paramref name="body"/> (GET when null); null when the peer is unreachable, slow or answers an error.</summary>
    private async Task<T?> CallAsync<T>(int node, string path, object? body, TimeSpan timeout, CancellationToken ct) where T : class
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        try
        {
            using var response = body is null
                ? await http.GetAsync(Url(node, path), cancel.Token).ConfigureAwait(false)
                : await http.PostAsJsonAsync(Url(node, path), body, Json, cancel.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK) return null;
            return await response.Content.ReadFromJsonAsync<T>(Json, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
            if (ct.IsCancellationRequested) throw;
            return null;
        }
    }

    public void Dispose() => http.Dispose();
}
