using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node;

/// <summary>
/// Lets clients talk to any node (DDIA §5.1: followers pass writes to the leader): a follower that knows the
/// leader's client endpoint (<c>--peer-http</c>) sends it the request once and relays its answer as it is. The
/// relay keeps the meaning of every answer: a request that never reached the leader is "not-leader" (definitely
/// not done); one whose answer was lost is "timeout" (unknown). A forwarded request is never forwarded again.
/// </summary>
internal sealed class Forwarder(NodeOptions options) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Longer than the leader's own request timeout, so the leader's 504 arrives before ours.
    private readonly HttpClient http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1), UseProxy = false })
    {
        Timeout = HttpApi.RequestTimeout + TimeSpan.FromSeconds(1),
    };

    public bool CanForward(HttpContext context, int? leader) =>
        leader is { } id && options.PeerHttp.ContainsKey(id) && !context.Request.Headers.ContainsKey(PeerEndpoints.ForwardedHeader);

    public async Task<IResult> ForwardAsync<T>(HttpContext context, T request, int leader)
    {
        var endpoint = options.PeerHttp[leader];
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{endpoint}{context.Request.Path}"));
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(request, options: Json) };
        message.Headers.Add(PeerEndpoints.ForwardedHeader, HttpApi.NodeName(options.Id));
        try
        {
            using var response = await http.SendAsync(message, context.RequestAborted).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
            return new Relayed((int)response.StatusCode, body);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError || e.InnerException is SocketException)
        {
            // Nothing reached the leader.
            return Results.Json(new { error = "not-leader", leader = (string?)null, reason = "leader unreachable" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return Results.Json(new { error = "timeout" }, statusCode: StatusCodes.Status504GatewayTimeout);
        }
    }

    public void Dispose() => http.Dispose();

    /// <summary>The leader's answer, status and body unchanged.</summary>
    private sealed class Relayed(int status, byte[] body) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json";
            await httpContext.Response.Body.WriteAsync(body).ConfigureAwait(false);
        }
    }
}
