using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>
/// One client's connection to the cluster: its HttpClient and the node its next request goes to. A node that refuses
/// connections is skipped for the next node in order, so a client whose node was killed keeps working. The system's
/// own request code decides when to move on; a refused request is never resent. One op at a time per client.
/// </summary>
internal sealed class ClusterConnection : IDisposable
{
    private readonly IReadOnlyList<Node> nodes;
    private readonly int port;
    private volatile Node target;

    public ClusterConnection(IReadOnlyList<Node> nodes, Node first, int port, TimeSpan connectTimeout)
    {
        this.nodes = nodes;
        target = first;
        this.port = port;
        Http = NodeHttp.Client(connectTimeout);
    }

    public HttpClient Http { get; }

    /// <summary>The node the next request goes to.</summary>
    public Node Target => target;

    public Uri Url(Node node, string path) => NodeHttp.Url(node, port, path);

    /// <summary>After <paramref name="failed"/> refused a connection: the next request goes to the node after it
    /// (unless the target changed meanwhile).</summary>
    public void MoveOn(Node failed)
    {
        if (nodes.Count == 0 || target != failed) return;
        var i = nodes.ToList().FindIndex(n => n.Name == failed.Name);
        target = nodes[(i + 1) % nodes.Count];
    }

    /// <summary>The next request goes to the node named <paramref name="name"/>, if it is one of the cluster's.</summary>
    public void MoveTo(string? name)
    {
        if (nodes.FirstOrDefault(n => n.Name == name) is { } node) target = node;
    }

    public void Dispose() => Http.Dispose();
}
