using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// A cluster of real <c>ddia-node --system multi-leader|leaderless</c> processes, all started at once (see
/// <see cref="NodeProcesses"/>), every node naming every other one's client endpoint with <c>--peer-http</c>.
/// </summary>
internal sealed class VersionedCluster : NodeProcesses
{
    private readonly IReadOnlyList<string> extraArgs;

    public VersionedCluster(string system, int size, params string[] extraArgs)
        : base(system, size, TimeSpan.FromSeconds(10))
    {
        this.extraArgs = extraArgs;
        StartAll();
    }

    protected override IEnumerable<string> SystemArguments(int id) => [.. PeerHttpArguments(id), .. extraArgs];

    /// <summary>POST /kv/put; the answer's status.</summary>
    public async Task<HttpStatusCode> Put(int id, string key, string value, string? context = null) =>
        (await Post(id, "/kv/put", new { key, value, context }).ConfigureAwait(false)).Code;

    /// <summary>POST /kv/get, insisting on 200: the values (sorted) and the context.</summary>
    public async Task<(string[] Values, string Context)> Get(int id, string key)
    {
        var (code, body) = await Post(id, "/kv/get", new { key }).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"/kv/get on n{id}: {code} {body.GetRawText()}\n{Logs()}");
        return (Sorted(body.GetProperty("values")), body.GetProperty("context").GetString()!);
    }

    /// <summary>Leaderless: the replica's own copy (<c>POST /peer/read</c>), values sorted.</summary>
    public async Task<string[]> Local(int id, string key)
    {
        var (code, body) = await Post(id, "/peer/read", new { k = key }).ConfigureAwait(false);
        Assert.Equal(HttpStatusCode.OK, code);
        return [.. body.GetProperty("s").EnumerateArray().Select(s => s.GetProperty("v").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static string[] Sorted(JsonElement values) => [.. values.EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal)];
}
