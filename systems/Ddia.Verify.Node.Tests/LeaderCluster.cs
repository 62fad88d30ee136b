using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// Three (or more) real <c>ddia-node --system leader</c> processes (see <see cref="NodeProcesses"/>); every node names
/// every other with <c>--peer-http</c>. The arguments given go to every node (e.g. <c>--replication async</c>), the
/// environment into every node's (e.g. the snapshot interval).
/// </summary>
internal sealed class LeaderCluster : NodeProcesses
{
    private readonly IReadOnlyList<string> args;

    private LeaderCluster(int size, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
        : base("leader", size, TimeSpan.FromSeconds(5), environment)
    {
        this.args = args;
    }

    public static async Task<LeaderCluster> StartAsync(int size, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cluster = new LeaderCluster(size, args, environment);
        try
        {
            // The first leader (n1) first: with naive failover, followers that come up long before it (a loaded machine
            // starts processes seconds apart) would elect one of themselves.
            cluster.Start(1);
            await cluster.WaitUp(1).ConfigureAwait(false);
            foreach (var id in cluster.Ids.Skip(1)) cluster.Start(id);
            await cluster.WaitUp().ConfigureAwait(false);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        return cluster;
    }

    protected override IEnumerable<string> SystemArguments(int id) => ["--seed", Str(id), .. PeerHttpArguments(id), .. args];

    public Task<(HttpStatusCode Code, JsonElement Body)> Put(int id, string key, string value, string? context = null) =>
        Post(id, "/kv/put", new { key, value, context });

    /// <summary>A put that must be acknowledged (200 ok).</summary>
    public async Task PutOk(int id, string key, string value)
    {
        var (code, body) = await Put(id, key, value).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"put {key} at n{id}: {code} {body.GetRawText()}\n{Logs()}");
    }

    /// <summary>The values /kv/get answers at the node (which must serve it), and its context.</summary>
    public async Task<(string[] Values, string Context)> Get(int id, string key)
    {
        var (code, body) = await Post(id, "/kv/get", new { key }).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"get {key} at n{id}: {code} {body.GetRawText()}");
        return ([.. body.GetProperty("values").EnumerateArray().Select(v => v.GetString()!)], body.GetProperty("context").GetString()!);
    }

    /// <summary>The one node whose status says leader among <paramref name="among"/>, once the others answer naming it.</summary>
    public Task<int> WaitForLeader(IReadOnlyCollection<int> among, TimeSpan timeout) => WaitForAgreedLeader(among, timeout, sameField: null);
}
