using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// Reads without the log (DESIGN.md §4, the raft row): ReadIndex and the leader lease both return the latest
/// committed value; with the followers paused and the leader's clock set back, the lease answers at once from a
/// leader that cannot confirm it still leads (the textbook flaw the campaign catches), ReadIndex does not.
/// </summary>
[Trait("Category", "Process")]
public sealed class ReadModeProcessTests
{
    // RaftOptions.LeaseMs (250) with a margin: after this long without confirmed rounds the lease has run out.
    private static readonly TimeSpan LeaseRunsOut = TimeSpan.FromMilliseconds(600);

    [Fact]
    public async Task IndexReads_SeeTheLatestWrite_AndTimeOutWhenTheLeaderCannotConfirmARound()
    {
        using var cluster = new NodeCluster(3, new NodeClusterOptions { ReadMode = "index" });
        var leader = await cluster.Leader();
        var key = await WriteAndReadBack(cluster, leader);
        var followers = cluster.Ids.Where(id => id != leader).ToList();
        try
        {
            foreach (var f in followers) cluster.Pause(f);
            // Heartbeat acks the followers sent just before they stopped may still be on their way; let them land, so the
            // read's round is one nobody can confirm (seen once in CI: a 200 when the acks arrived mid-read).
            await Task.Delay(300);
            await cluster.SetClock(leader, -30_000);
            var clock = Stopwatch.StartNew();
            var (code, body) = await cluster.Post(leader, "/kv/read", new { key });
            Assert.Equal(HttpStatusCode.GatewayTimeout, code);
            Assert.Equal("timeout", body.GetProperty("error").GetString());
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"504 after {clock.Elapsed}");
        }
        finally
        {
            foreach (var f in followers) cluster.Resume(f);
        }
    }

    [Fact]
    public async Task LeaseReads_SeeTheLatestWrite_AndAClockSetBackLetsACutOffLeaderAnswerAtOnce()
    {
        using var cluster = new NodeCluster(3, new NodeClusterOptions { ReadMode = "lease" });
        var leader = await cluster.Leader();
        var key = await WriteAndReadBack(cluster, leader);
        var latest = await cluster.ReadValue(leader, key);
        var followers = cluster.Ids.Where(id => id != leader).ToList();
        try
        {
            foreach (var f in followers) cluster.Pause(f);
            await Task.Delay(LeaseRunsOut);

            // With a good clock the lease has run out: the read falls back to a round nobody answers.
            var (code, _) = await cluster.Post(leader, "/kv/read", new { key });
            Assert.Equal(HttpStatusCode.GatewayTimeout, code);

            // Set back 30 s, the wall clock is again inside the lease granted by the last round a majority answered.
            await cluster.SetClock(leader, -30_000);
            var clock = Stopwatch.StartNew();
            var read = await cluster.Applied(leader, "/kv/read", new { key });
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"lease read took {clock.Elapsed}");
            Assert.True(read.Ok(), read.GetRawText());
            Assert.Equal(latest, read.Value());
            Assert.Equal("leader", (await cluster.Status(leader))!.Value.GetProperty("role").GetString());
        }
        finally
        {
            foreach (var f in followers) cluster.Resume(f);
        }
    }

    /// <summary>Writes a few values, each read back on the leader at once; a read served without the log carries no
    /// index. Returns the key.</summary>
    private static async Task<string> WriteAndReadBack(NodeCluster cluster, int leader)
    {
        var key = Api.UniqueKey("read");
        for (var i = 0; i < 5; i++)
        {
            var value = "v" + i;
            Assert.True((await cluster.Applied(leader, "/kv/write", new { key, value })).Ok());
            var read = await cluster.Applied(leader, "/kv/read", new { key });
            Assert.True(read.Ok(), read.GetRawText());
            Assert.Equal(value, read.Value());
            Assert.Equal(JsonValueKind.Null, read.GetProperty("index").ValueKind);
        }
        return key;
    }
}
