using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>The lock service (DESIGN.md §4): lease locks with fencing tokens, fencing on and off. One lock per
/// cluster, so one cluster per configuration; these clusters have no <c>--peer-http</c>.</summary>
[Trait("Category", "Process")]
public sealed class LockServiceProcessTests
{
    private const int LeaseMs = 500;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Lock_LeaseTokensAndFencing(bool fencing)
    {
        using var cluster = new NodeCluster(3, new NodeClusterOptions { Fencing = fencing });
        var leader = await cluster.Leader();
        var key = Api.UniqueKey("fenced");
        var indexes = new List<long>();
        async Task<JsonElement> Apply(string path, object body)
        {
            var answer = await cluster.Applied(leader, path, body);
            indexes.Add(answer.Index());
            return answer;
        }

        var a = await Apply("/lock/acquire", new { client = "a", leaseMs = LeaseMs });
        Assert.True(a.Ok(), a.GetRawText());
        var tokenA = a.GetProperty("token").GetInt64();
        var refused = await Apply("/lock/acquire", new { client = "b", leaseMs = LeaseMs });
        Assert.False(refused.Ok(), refused.GetRawText());
        Assert.Contains("held by a", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False((await Apply("/lock/release", new { client = "b", token = tokenA })).Ok());
        Assert.True((await Apply("/lock/write", new { token = tokenA, key, value = "a1" })).Ok());

        // Once a's lease has run out (by the leader's wall clock), b gets the lock with a higher token.
        JsonElement b = default;
        Assert.True(await Api.Eventually(async () => (b = await Apply("/lock/acquire", new { client = "b", leaseMs = 10_000 })).Ok(),
            TimeSpan.FromSeconds(5)), b.GetRawText());
        var tokenB = b.GetProperty("token").GetInt64();
        Assert.True(tokenB > tokenA, $"token {tokenB} after {tokenA}");
        Assert.True((await Apply("/lock/write", new { token = tokenB, key, value = "b1" })).Ok());

        // a, paused through its lease, wakes up and writes with its old token.
        var late = await Apply("/lock/write", new { token = tokenA, key, value = "a-late" });
        Assert.Equal(fencing, !late.Ok());
        if (fencing) Assert.Contains("older", late.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(fencing ? "b1" : "a-late", await cluster.ReadValue(leader, key));

        Assert.False((await Apply("/lock/release", new { client = "a", token = tokenA })).Ok());
        Assert.True((await Apply("/lock/release", new { client = "b", token = tokenB })).Ok());
        Assert.All(indexes.Zip(indexes.Skip(1)), pair => Assert.True(pair.First < pair.Second, string.Join(",", indexes)));

        // Without --peer-http a follower refuses, naming the leader.
        foreach (var follower in cluster.Ids.Where(id => id != leader))
        {
            var (code, body) = await cluster.Post(follower, "/lock/acquire", new { client = "c", leaseMs = LeaseMs });
            Assert.Equal(HttpStatusCode.Conflict, code);
            Assert.Equal("not-leader", body.GetProperty("error").GetString());
            Assert.Equal(Api.Name(leader), body.GetProperty("leader").GetString());
        }
    }
}
