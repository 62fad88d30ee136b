using System.Net;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// <c>ddia-node --system leader</c> as three real processes (DDIA §5.1): sync replication puts an acknowledged write on
/// every follower; followers refuse writes and (with --reads leader) reads; a killed follower catches up from its own
/// last index, and a wiped one bootstraps from the leader's snapshot; naive failover replaces a paused leader, and
/// split brain loses a write the old leader acknowledged.
/// </summary>
[Trait("Category", "Process")]
public sealed class LeaderNodeProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sync_AckedPutIsOnEveryFollower_FollowersRefuse_ConditionalPutsAndCas_DeadFollowerBlocksWrites()
    {
        using var c = await LeaderCluster.StartAsync(3, []);
        Assert.Equal(1, await c.WaitForLeader([1, 2, 3], Patience));

        await c.PutOk(1, "x", "1");
        // Sync: the leader answered only once every follower had the entry durably (and applied it).
        var last = await c.StatusLong(1, "lastIndex");
        Assert.True(last >= 1);
        foreach (var f in new[] { 2, 3 })
        {
            Assert.Equal(last, await c.StatusLong(f, "lastIndex"));
            Assert.Equal(last, await c.StatusLong(f, "appliedIndex"));
        }

        // --reads leader: followers serve neither reads nor writes, and name the leader.
        var (code, body) = await c.Post(2, "/kv/get", new { key = "x" });
        Assert.Equal((HttpStatusCode.Conflict, "not-leader", "n1"), (code, body.GetProperty("error").GetString(), body.GetProperty("leader").GetString()));
        (code, body) = await c.Put(3, "x", "2");
        Assert.Equal((HttpStatusCode.Conflict, "n1"), (code, body.GetProperty("leader").GetString()));

        // The context is the key's version: a put naming a stale one is refused.
        var (values, context) = await c.Get(1, "x");
        Assert.Equal(["1"], values);
        Assert.Equal(HttpStatusCode.OK, (await c.Put(1, "x", "2", context)).Code);
        (code, body) = await c.Put(1, "x", "3", context);
        Assert.Equal((HttpStatusCode.Conflict, "conflict"), (code, body.GetProperty("error").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await c.Put(1, "fresh", "a", "0")).Code);
        Assert.Equal(["2"], (await c.Get(1, "x")).Values);

        (_, body) = await c.Post(1, "/kv/cas", new { key = "x", from = "1", to = "9" });
        Assert.False(body.GetProperty("ok").GetBoolean());
        (_, body) = await c.Post(1, "/kv/cas", new { key = "x", from = "2", to = "9" });
        Assert.True(body.GetProperty("ok").GetBoolean());
        (_, body) = await c.Post(1, "/kv/cas", new { key = "absent", from = (string?)null, to = "new" });
        Assert.True(body.GetProperty("ok").GetBoolean());

        // Malformed requests name the field; the admin clock offsets this node's wall clock only.
        (code, body) = await c.Post(1, "/kv/put", new { key = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("value", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        (code, body) = await c.Post(2, "/admin/clock", new { offsetMs = 60_000 });
        Assert.Equal((HttpStatusCode.OK, 60_000L), (code, body.GetProperty("offsetMs").GetInt64()));
        Assert.Equal(60_000, await c.StatusLong(2, "clockOffsetMs"));
        Assert.True(await c.StatusLong(2, "wallNowMs") - await c.StatusLong(1, "wallNowMs") > 50_000);

        // Sync with a dead follower: the write is in the leader's log but not acknowledged (504, unknown).
        c.Kill(3);
        (code, _) = await c.Put(1, "y", "1");
        Assert.Equal(HttpStatusCode.GatewayTimeout, code);
        c.Start(3);
        Assert.True(await Api.Eventually(async () => await c.StatusLong(3, "lastIndex") == await c.StatusLong(1, "lastIndex"), Patience), c.Logs());
        await c.PutOk(1, "y", "2");
    }

    [Fact]
    public async Task Async_RestartedFollowerCatchesUpFromItsLog_WipedFollowerBootstrapsFromTheSnapshot()
    {
        using var c = await LeaderCluster.StartAsync(3, ["--replication", "async", "--reads", "any"],
            new Dictionary<string, string> { ["DDIA_LEADER_SNAPSHOT_EVERY"] = "10" });
        Assert.Equal(1, await c.WaitForLeader([1, 2, 3], Patience));
        await c.PutOk(1, "k0", "v0");
        Assert.True(await Api.Eventually(async () => (await c.Get(3, "k0")).Values is ["v0"], Patience));

        // kill -9 a follower; async writes are still acknowledged; restarted, it resumes from its own last index.
        c.Kill(3);
        for (var i = 1; i <= 3; i++) await c.PutOk(1, "k" + i, "v" + i);
        c.Start(3);
        await c.WaitUp(3);
        Assert.True(await Api.Eventually(async () => (await c.Get(3, "k3")).Values is ["v3"], Patience), c.Logs());
        Assert.Equal((await c.Get(1, "k2")).Context, (await c.Get(3, "k2")).Context);
        Assert.False((await c.Status(3))!.Value.GetProperty("bootstrappedFromSnapshot").GetBoolean());

        // A follower whose data directory is gone joins with nothing; the leader has compacted its log by then.
        c.Kill(2);
        Directory.Delete(c.DataDir(2), recursive: true);
        for (var i = 4; i <= 30; i++) await c.PutOk(1, "k" + i, "v" + i);
        Assert.True(await c.StatusLong(1, "snapshotIndex") > 1);
        c.Start(2);
        await c.WaitUp(2);
        Assert.True(await Api.Eventually(async () => await c.StatusLong(2, "appliedIndex") == await c.StatusLong(1, "lastIndex"), Patience), c.Logs());
        Assert.True((await c.Status(2))!.Value.GetProperty("bootstrappedFromSnapshot").GetBoolean());
        for (var i = 0; i <= 30; i++) Assert.Equal(["v" + i], (await c.Get(2, "k" + i)).Values);
        var followers = (await c.Status(1))!.Value.GetProperty("followers");
        Assert.Equal(await c.StatusLong(1, "lastIndex"), followers.GetProperty("n2").GetInt64());
    }

    [Fact]
    public async Task NaiveFailover_PausedLeaderIsReplaced_AndStepsDownWhenResumed()
    {
        using var c = await LeaderCluster.StartAsync(3, ["--replication", "semi-sync", "--failover", "naive", "--failover-timeout-ms", "1000"]);
        Assert.Equal(1, await c.WaitForLeader([1, 2, 3], Patience));
        await c.PutOk(1, "x", "1");

        c.Pause(1);
        var next = await c.WaitForLeader([2, 3], Patience);
        Assert.True(await c.StatusLong(next, "epoch") > 1);
        // Semi-sync: the other live follower's ack is enough (with sync, the paused n1 would make it time out).
        await c.PutOk(next, "x", "2");
        c.Resume(1);
        Assert.Equal(next, await c.WaitForLeader([1, 2, 3], Patience));
        Assert.Equal(await c.StatusLong(next, "epoch"), await c.StatusLong(1, "epoch"));
        Assert.Equal(["2"], (await c.Get(next, "x")).Values);
        Assert.True(await Api.Eventually(async () => await c.StatusLong(1, "lastIndex") == await c.StatusLong(next, "lastIndex"), Patience));
    }

    [Fact]
    public async Task NaiveFailover_SplitBrain_LosesAWriteTheOldLeaderAcknowledged()
    {
        using var c = await LeaderCluster.StartAsync(3, ["--replication", "async", "--reads", "any", "--failover", "naive", "--failover-timeout-ms", "1000"]);
        Assert.Equal(1, await c.WaitForLeader([1, 2, 3], Patience));
        await c.PutOk(1, "k", "a");
        Assert.True(await Api.Eventually(async () =>
            await c.StatusLong(2, "lastIndex") == 1 && await c.StatusLong(3, "lastIndex") == 1, Patience));

        // The followers die; the old leader acknowledges a write only it has (async).
        c.Kill(2);
        c.Kill(3);
        await c.PutOk(1, "k", "b");
        Assert.Equal(["b"], (await c.Get(1, "k")).Values);

        // It pauses; the followers come back, elect one of themselves, which takes a conflicting write.
        c.Pause(1);
        c.Start(2);
        c.Start(3);
        var next = await c.WaitForLeader([2, 3], Patience);
        await c.PutOk(next, "k", "c");

        // Resumed, the old leader learns of the newer epoch, steps down, and its entry is truncated: the acknowledged "b" is lost.
        c.Resume(1);
        Assert.Equal(next, await c.WaitForLeader([1, 2, 3], Patience));
        foreach (var id in c.Ids)
        {
            Assert.True(await Api.Eventually(async () => (await c.Get(id, "k")).Values is ["c"], Patience), $"n{id}\n{c.Logs()}");
        }
        Assert.Contains("n1: steps down", c.Logs(), StringComparison.Ordinal);
    }
}
