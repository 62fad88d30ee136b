using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>The client API on one shared three-node cluster with <c>--peer-http</c>: cas, forwarding, the log
/// index of applied commands, /admin/status, and bad requests.</summary>
[Trait("Category", "Process")]
public sealed class NodeApiProcessTests(PeerHttpClusterFixture fixture) : IClassFixture<PeerHttpClusterFixture>
{
    private readonly NodeCluster cluster = fixture.Cluster;

    [Fact]
    public async Task Cas_SetsWhenTheValueMatches_AndReportsTheValueFoundWhenItDoesNot()
    {
        var leader = await cluster.Leader();
        var key = Api.UniqueKey("cas");

        // from omitted (null) means "absent".
        var create = await cluster.Applied(leader, "/kv/cas", new { key, to = "a" });
        Assert.True(create.Ok(), create.GetRawText());
        var swap = await cluster.Applied(leader, "/kv/cas", new { key, from = "a", to = "b" });
        Assert.True(swap.Ok(), swap.GetRawText());

        var mismatch = await cluster.Applied(leader, "/kv/cas", new { key, from = "a", to = "c" });
        Assert.False(mismatch.Ok(), mismatch.GetRawText());
        Assert.Equal("b", mismatch.Value());
        var absent = await cluster.Applied(leader, "/kv/cas", new { key = Api.UniqueKey("cas-absent"), from = "x", to = "y" });
        Assert.False(absent.Ok(), absent.GetRawText());
        Assert.Equal(JsonValueKind.Null, absent.GetProperty("value").ValueKind);

        Assert.Equal("b", await cluster.ReadValue(leader, key));
    }

    [Fact]
    public async Task Follower_ForwardsWritesReadsAndCasToTheLeader()
    {
        var leader = await cluster.Leader();
        foreach (var follower in cluster.Ids.Where(id => id != leader))
        {
            var key = Api.UniqueKey("fwd");
            var write = await cluster.Applied(follower, "/kv/write", new { key, value = "via-" + Api.Name(follower) });
            Assert.True(write.Ok(), write.GetRawText());
            Assert.Equal(JsonValueKind.Number, write.GetProperty("index").ValueKind);
            Assert.Equal("via-" + Api.Name(follower), await cluster.ReadValue(leader, key));

            var cas = await cluster.Applied(follower, "/kv/cas", new { key, from = "via-" + Api.Name(follower), to = "swapped" });
            Assert.True(cas.Ok(), cas.GetRawText());
            Assert.Equal("swapped", await cluster.ReadValue(follower, key));
        }
    }

    [Fact]
    public async Task ForwardedRequest_IsNotForwardedAgain_TheFollowerAnswers409WithTheLeader()
    {
        var leader = await cluster.Leader();
        var follower = cluster.Ids.First(id => id != leader);
        var key = Api.UniqueKey("twice");

        // As if another node had forwarded it here (a stale leader hint): passing it on could loop.
        var (code, body) = await cluster.PostRaw(follower, "/kv/write",
            JsonSerializer.Serialize(new { key, value = "v" }), forwardedBy: "n9");
        Assert.Equal(HttpStatusCode.Conflict, code);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal("not-leader", answer.RootElement.GetProperty("error").GetString());
        Assert.Equal(Api.Name(leader), answer.RootElement.GetProperty("leader").GetString());
        Assert.Null(await cluster.ReadValue(leader, key));
    }

    [Fact]
    public async Task AppliedCommands_CarryTheirLogIndex_Increasing()
    {
        var leader = await cluster.Leader();
        var follower = cluster.Ids.First(id => id != leader);
        var key = Api.UniqueKey("index");
        var indexes = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            indexes.Add((await cluster.Applied(leader, "/kv/write", new { key, value = "l" + i })).Index());
            indexes.Add((await cluster.Applied(follower, "/kv/write", new { key, value = "f" + i })).Index());
            // A failed cas is applied too: it has its place in the log.
            indexes.Add((await cluster.Applied(leader, "/kv/cas", new { key, from = "nope", to = "x" })).Index());
            // Read mode log: a read is a log entry.
            indexes.Add((await cluster.Applied(leader, "/kv/read", new { key })).Index());
        }
        Assert.All(indexes.Zip(indexes.Skip(1)), pair => Assert.True(pair.First < pair.Second, string.Join(",", indexes)));
    }

    [Fact]
    public async Task AdminStatus_ReportsRoleLeaderTermCommitIndexAndClockOffset()
    {
        var leader = await cluster.Leader();
        var written = (await cluster.Applied(leader, "/kv/write", new { key = Api.UniqueKey("status"), value = "v" })).Index();

        var statuses = new Dictionary<int, JsonElement>();
        foreach (var id in cluster.Ids) statuses[id] = (await cluster.Status(id))!.Value;
        Assert.Single(statuses.Values, s => s.GetProperty("role").GetString() == "leader");
        var term = statuses[leader].GetProperty("term").GetInt64();
        Assert.True(term >= 1);
        foreach (var (id, s) in statuses)
        {
            Assert.Equal(id == leader ? "leader" : "follower", s.GetProperty("role").GetString());
            Assert.Equal(Api.Name(leader), s.GetProperty("leader").GetString());
            Assert.Equal(term, s.GetProperty("term").GetInt64());
            Assert.Equal(Api.Name(id), s.GetProperty("node").GetString());
            Assert.Equal("raft", s.GetProperty("system").GetString());
            Assert.Equal("log", s.GetProperty("readMode").GetString());
            Assert.True(s.GetProperty("fencing").GetBoolean());
        }
        // The leader answered the write once it was committed and applied.
        Assert.True(statuses[leader].GetProperty("commitIndex").GetInt64() >= written, statuses[leader].GetRawText());
        Assert.True(statuses[leader].GetProperty("appliedIndex").GetInt64() >= written, statuses[leader].GetRawText());
        // Followers learn the commit index with the next heartbeat.
        foreach (var id in cluster.Ids)
        {
            Assert.True(await Api.Eventually(async () => (await cluster.Status(id))!.Value.GetProperty("commitIndex").GetInt64() >= written,
                TimeSpan.FromSeconds(5)), $"{Api.Name(id)} never learned commit index {written}");
        }

        try
        {
            foreach (var id in cluster.Ids)
            {
                var offset = -1000L * id - 7;
                await cluster.SetClock(id, offset);
                var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var s = (await cluster.Status(id))!.Value;
                var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                Assert.Equal(offset, s.GetProperty("clockOffsetMs").GetInt64());
                var wall = s.GetProperty("wallNowMs").GetInt64();
                Assert.InRange(wall, before + offset - 100, after + offset + 100);
            }
        }
        finally
        {
            foreach (var id in cluster.Ids) await cluster.SetClock(id, 0);
        }
    }

    [Theory]
    [InlineData("/kv/read", """{}""", "key")]
    [InlineData("/kv/write", """{"key":"k"}""", "value")]
    [InlineData("/kv/cas", """{"key":"k","from":"a"}""", "to")]
    [InlineData("/lock/acquire", """{"client":"c"}""", "leaseMs")]
    [InlineData("/lock/acquire", """{"client":"c","leaseMs":0}""", "leaseMs")]
    [InlineData("/lock/release", """{"client":"c"}""", "token")]
    [InlineData("/lock/write", """{"key":"k","value":"v"}""", "token")]
    [InlineData("/admin/clock", """{}""", "offsetMs")]
    [InlineData("/kv/write", """{"key":5,"value":"v"}""", "$.key")]
    [InlineData("/lock/acquire", """{"client":"c","leaseMs":"soon"}""", "$.leaseMs")]
    [InlineData("/kv/write", """{"key":"k",""", "malformed JSON")]
    [InlineData("/kv/read", "", "body")]
    public async Task BadRequest_Answers400NamingTheField(string path, string json, string named)
    {
        // On a follower too: a bad request is refused where it arrives, never forwarded.
        foreach (var id in cluster.Ids)
        {
            var (code, body) = await cluster.PostRaw(id, path, json);
            Assert.Equal(HttpStatusCode.BadRequest, code);
            using var answer = JsonDocument.Parse(body);
            Assert.Contains(named, answer.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }
}
