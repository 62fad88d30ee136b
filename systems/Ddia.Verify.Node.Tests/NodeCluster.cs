using System.Net;
using System.Text;

namespace Ddia.Verify.Node.Tests;

/// <summary>How <see cref="NodeCluster"/> configures its nodes; the defaults are the node program's.</summary>
internal sealed record NodeClusterOptions
{
    /// <summary><c>--read-mode</c>: log, index or lease.</summary>
    public string ReadMode { get; init; } = "log";

    /// <summary><c>--fencing on|off</c>.</summary>
    public bool Fencing { get; init; } = true;

    /// <summary>Whether every node gets <c>--peer-http</c> for every peer (followers then forward to the leader).</summary>
    public bool PeerHttp { get; init; }

    /// <summary>With <see cref="PeerHttp"/>: the ADDR:PORT every <c>--peer-http</c> names instead of the peer's real
    /// one, so a test can stand in for the leader and see what a follower forwards.</summary>
    public string? PeerHttpTarget { get; init; }

    /// <summary><c>--system</c>: raft (a cluster), txn (each node its own transactional store) or 2pc.</summary>
    public string System { get; init; } = "raft";

    /// <summary><c>--isolation</c> for <c>--system txn</c> and <c>--system 2pc</c>.</summary>
    public string Isolation { get; init; } = "serializable";

    /// <summary>More arguments for every node (e.g. <c>--unsafe-heuristic</c>).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];
}

/// <summary>
/// A cluster of real <c>ddia-node --system raft|txn|2pc</c> processes, all started at once (see
/// <see cref="NodeProcesses"/>; <see cref="LeaderCluster"/> and <see cref="VersionedCluster"/> start the other forms).
/// </summary>
internal sealed class NodeCluster : NodeProcesses
{
    public const string ForwardedHeader = "X-Ddia-Forwarded-By";

    private readonly NodeClusterOptions options;

    public NodeCluster(int size, NodeClusterOptions? options = null)
        : base((options ??= new NodeClusterOptions()).System, size, TimeSpan.FromSeconds(5))
    {
        this.options = options;
        StartAll();
    }

    protected override IEnumerable<string> SystemArguments(int id) => options.System switch
    {
        "txn" => ["--isolation", options.Isolation, .. options.ExtraArgs],
        // Every node names every other one's client endpoint: that is a 2pc node's only address.
        "2pc" => ["--isolation", options.Isolation, .. PeerHttpArguments(id), .. options.ExtraArgs],
        _ => [.. RaftArguments(id), .. options.ExtraArgs],
    };

    private IEnumerable<string> RaftArguments(int id)
    {
        string[] own = ["--listen-peer", PeerAddress(id), "--seed", Str(id), "--read-mode", options.ReadMode, "--fencing", options.Fencing ? "on" : "off"];
        var peers = Ids.Where(peer => peer != id).SelectMany(peer => new[] { "--peer", $"{Str(peer)}={PeerAddress(peer)}" });
        return options.PeerHttp ? [.. own, .. peers, .. PeerHttpArguments(id, options.PeerHttpTarget)] : [.. own, .. peers];
    }

    /// <summary>Posts <paramref name="json"/> as it is (it may be malformed), optionally as a request another node
    /// forwarded; returns the status and the raw body.</summary>
    public async Task<(HttpStatusCode Code, string Body)> PostRaw(int id, string path, string json, string? forwardedBy = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(id, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (forwardedBy is not null) request.Headers.Add(ForwardedHeader, forwardedBy);
        using var response = await Http.SendAsync(request).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    /// <summary>The current leader, once all nodes agree on it.</summary>
    public Task<int> Leader() => WaitForStableLeader(Ids, TimeSpan.FromSeconds(10));

    /// <summary>
    /// Waits until, among <paramref name="among"/>, exactly one node is leader, every one of them answers, and all
    /// name it as leader in the same term. Returns its id.
    /// </summary>
    public Task<int> WaitForStableLeader(IReadOnlyCollection<int> among, TimeSpan timeout) => WaitForAgreedLeader(among, timeout, "term");
}
