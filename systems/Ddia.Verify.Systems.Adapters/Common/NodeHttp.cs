using System.Globalization;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>How every adapter reaches a node over HTTP.</summary>
internal static class NodeHttp
{
    /// <summary>An HttpClient without a proxy and without <see cref="HttpClient.Timeout"/>: the caller's cancellation token
    /// bounds each request (for ops, the harness's, which turns a timeout into info).</summary>
    public static HttpClient Client(TimeSpan connectTimeout) =>
        new(new SocketsHttpHandler { ConnectTimeout = connectTimeout, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public static Uri Url(Node node, int port, string path) =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://{node.Address}:{port}{path}"));

    /// <summary>The connection was never made (refused, unreachable), so the request was never sent.</summary>
    public static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.ConnectionError || e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
}
