using System.Text.Json;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>The control plane's status requests (is the daemon up, whom does it think leads): each gets at most a
/// second, so a node that is down, paused or cut off never holds the adapter up.</summary>
internal sealed class StatusProbe : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly HttpClient http = NodeHttp.Client(Timeout);

    /// <summary>Runs <paramref name="ask"/> within a second; null when the node does not answer in time or answers
    /// nothing readable. Cancellation by the caller propagates.</summary>
    public async Task<JsonElement?> AskAsync(Func<HttpClient, CancellationToken, Task<JsonElement?>> ask, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Timeout);
        try
        {
            return await ask(http, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();
}
