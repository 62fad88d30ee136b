using System.Globalization;
using System.Net;

namespace Ddia.Verify.Node;

/// <summary>What every system's node-to-node HTTP calls share (2pc, the single leader, multi-leader, leaderless).</summary>
internal static class PeerEndpoints
{
    /// <summary>The header a node puts on a client request it relays to a peer, so that the peer never relays it again.</summary>
    public const string ForwardedHeader = "X-Ddia-Forwarded-By";

    /// <summary>A client for calls to peers: a connection attempt gives up after 500 ms (a partitioned peer costs a
    /// bounded wait), and no overall timeout, because every call sets its own.</summary>
    public static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromMilliseconds(500),
        UseProxy = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static Uri Url(IPEndPoint peer, string path) => new(string.Create(CultureInfo.InvariantCulture, $"http://{peer}{path}"));
}
