using System.Text.Json.Nodes;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>
/// One client's connection to the cluster: sends each request once to its current member and classifies the answer
/// (<see cref="EtcdGateway"/>). Any member serves any request (etcd forwards proposals to its leader), so the client
/// stays with its member, except that one refusing connections is skipped for the next member in order, so a client
/// whose member was killed keeps working. A refused request is never resent. One op at a time per client.
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private readonly HttpClient http;
    private readonly IReadOnlyList<Node> nodes;
    private readonly int port;
    private volatile Node target;

    public EtcdConnection(IReadOnlyList<Node> nodes, Node first, EtcdClientOptions options)
    {
        this.nodes = nodes;
        target = first;
        port = options.ClientPort;
        // No HttpClient.Timeout: the harness's cancellation token bounds each op and turns it into info.
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout, UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The member the next request goes to.</summary>
    public Node Target => target;

    public async Task<EtcdAnswer> PostAsync(string path, JsonObject body, CancellationToken cancellation)
    {
        var node = target;
        var answer = await EtcdGateway.PostAsync(http, EtcdGateway.Url(node, port, path), body, cancellation).ConfigureAwait(false);
        if (answer.Error is EtcdGateway.ConnectionRefused or EtcdGateway.ConnectTimeout) MoveOn(node);
        return answer;
    }

    public void Dispose() => http.Dispose();

    private void MoveOn(Node failed)
    {
        if (nodes.Count == 0 || target != failed) return;
        var i = nodes.ToList().FindIndex(n => n.Name == failed.Name);
        target = nodes[(i + 1) % nodes.Count];
    }
}
