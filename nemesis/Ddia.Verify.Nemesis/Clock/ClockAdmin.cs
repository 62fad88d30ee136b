using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Nemesis.Clock;

/// <summary>What a node answered to <c>POST /admin/clock</c>: its offset now and its offset wall clock.</summary>
public sealed record ClockReading(long OffsetMs, long WallNowMs);

/// <summary>
/// The client of the reference node's clock endpoint (DESIGN.md §4): <c>POST http://&lt;address&gt;:&lt;port&gt;/admin/clock</c>
/// with <c>{"offsetMs": N}</c>, answered with <c>{"offsetMs": .., "wallNowMs": ..}</c>. Our nodes' wall clocks
/// are skewed this way because libfaketime breaks .NET (DESIGN.md §7).
/// </summary>
public sealed class ClockAdmin(int port, TimeSpan timeout)
{
    // One client for the process: HttpClient is meant to be shared, and per-request deadlines replace its Timeout.
    private static readonly HttpClient Http = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    public int Port { get; } = port > 0 && port <= 65535 ? port : throw new ArgumentOutOfRangeException(nameof(port), port, "not a TCP port");

    public TimeSpan Timeout { get; } = timeout > TimeSpan.Zero ? timeout : throw new ArgumentOutOfRangeException(nameof(timeout));

    public Uri UriOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new UriBuilder(Uri.UriSchemeHttp, node.Address, Port, "/admin/clock").Uri;
    }

    /// <summary>Sets <paramref name="node"/>'s offset. Throws when the node cannot be reached in time or answers badly.</summary>
    public async Task<ClockReading> SetOffsetAsync(Node node, long offsetMs, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(Timeout);
        using var content = new StringContent(string.Create(CultureInfo.InvariantCulture, $"{{\"offsetMs\":{offsetMs}}}"), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await Http.PostAsync(UriOf(node), content, deadline.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{node.Name} answered {(int)response.StatusCode}: {Truncate(body)}");
            using var json = JsonDocument.Parse(body);
            return new(json.RootElement.GetProperty("offsetMs").GetInt64(), json.RootElement.GetProperty("wallNowMs").GetInt64());
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"{node.Name} did not answer {UriOf(node)} within {Timeout.TotalMilliseconds} ms");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new HttpRequestException($"{node.Name} answered something that is not {{\"offsetMs\", \"wallNowMs\"}}: {e.Message}", e);
        }
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
