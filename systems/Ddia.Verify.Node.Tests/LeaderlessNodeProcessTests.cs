using System.Net;
using System.Text;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// <c>ddia-node --system leaderless</c> (Dynamo-style) as real processes: quorum writes and reads with a node paused
/// or down, read repair of a stale replica, stale reads when W + R ≤ N, LWW dropping the write of a node whose clock
/// is behind, and a sloppy quorum's hinted handoff.
/// </summary>
[Trait("Category", "Process")]
public sealed class LeaderlessNodeProcessTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);

    /// <summary>The node's own preference list rule (FNV-1a 32 of the UTF-8 key onto the sorted ids, then around the
    /// ring): if the node placed keys differently, the replicas asked below would not hold them.</summary>
    private static int[] Walk(string key, int size)
    {
        var h = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            h ^= b;
            h *= 16777619u;
        }
        var start = (int)(h % (uint)size);
        return [.. Enumerable.Range(0, size).Select(i => (start + i) % size + 1)];
    }

    /// <summary>A write and a read coordinated by every node, so that no later step pays a fresh process's JIT against
    /// the coordinators' 1 s quorum wait (a loaded 2-core machine).</summary>
    private static async Task WarmUp(VersionedCluster c)
    {
        foreach (var id in c.Ids)
        {
            var key = "warm-up-" + id;
            Assert.True(await Api.Eventually(async () => await c.Put(id, key, "x") == HttpStatusCode.OK, Converge), c.Logs());
            Assert.True(await Api.Eventually(async () => (await c.Post(id, "/kv/get", new { key })).Code == HttpStatusCode.OK, Converge), c.Logs());
        }
    }

    private static async Task<long> Sum(VersionedCluster c, IEnumerable<int> ids, string field)
    {
        long sum = 0;
        foreach (var id in ids) sum += await c.StatusLong(id, field);
        return sum;
    }

    [Fact]
    public async Task W2R2_WritesAndReadsWithANodeOut_AndReadRepairFixesTheStaleReplica()
    {
        using var c = new VersionedCluster("leaderless", 3);   // n = 3, w = r = 2 by default
        await c.WaitUp();
        await WarmUp(c);
        var status = (await c.Status(1))!.Value;
        Assert.Equal(("leaderless", "replica", 3, 2, 2), (status.GetProperty("system").GetString(), status.GetProperty("role").GetString(),
            status.GetProperty("n").GetInt32(), status.GetProperty("w").GetInt32(), status.GetProperty("r").GetInt32()));

        // A paused replica: W = 2 of the other two.
        c.Pause(3);
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "a", "1"));
        Assert.Equal(["1"], (await c.Get(2, "a")).Values);
        c.Resume(3);

        // A replica that is down misses a write; back up, it is stale until a quorum read repairs it.
        c.Kill(3);
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "b", "2"));
        c.Start(3);
        await c.WaitUp(3);
        Assert.Empty(await c.Local(3, "b"));
        Assert.Equal(["2"], (await c.Get(2, "b")).Values);
        Assert.True(await Api.Eventually(async () => (await c.Local(3, "b")).SequenceEqual(["2"]), Converge), c.Logs());
        Assert.True(await c.StatusLong(2, "readRepairs") >= 1);

        // Two replicas down: a read cannot get R answers (503, harmless); a write is applied locally but not acknowledged
        // by W (504: unknown).
        c.Kill(2);
        c.Kill(3);
        var (code, body) = await c.Post(1, "/kv/get", new { key = "b" });
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (code, body.GetProperty("error").GetString()));
        Assert.Equal(HttpStatusCode.GatewayTimeout, await c.Put(1, "c", "3"));
        Assert.Equal(["3"], await c.Local(1, "c"));
    }

    [Fact]
    public async Task W1R1_WithoutReadRepair_ReadsAStaleReplica()
    {
        using var c = new VersionedCluster("leaderless", 3, "--w", "1", "--r", "1", "--read-repair", "off");
        await c.WaitUp();
        await WarmUp(c);
        c.Kill(3);
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "k", "new"));
        c.Start(3);
        await c.WaitUp(3);
        // n3 answers itself first (R = 1): the acknowledged write is not there. W + R ≤ N: no overlap.
        Assert.Empty((await c.Get(3, "k")).Values);
        Assert.Equal(["new"], (await c.Get(1, "k")).Values);
        await Task.Delay(500);
        Assert.Empty(await c.Local(3, "k"));   // read repair is off: still stale
        Assert.Equal(0, await c.StatusLong(1, "readRepairs"));
    }

    [Fact]
    public async Task Lww_DropsTheLaterWriteOfANodeWhoseClockIsBehind_VersionVectorsKeepItAndConcurrentSiblings()
    {
        using var c = new VersionedCluster("leaderless", 3, "--conflicts", "lww");
        await c.WaitUp();
        await WarmUp(c);
        await c.SetClock(2, -10_000);
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "k", "first"));
        var (values, context) = await c.Get(2, "k");
        Assert.Equal(["first"], values);
        Assert.Equal(HttpStatusCode.OK, await c.Put(2, "k", "second", context));
        foreach (var id in c.Ids) Assert.Equal(["first"], (await c.Get(id, "k")).Values);

        // With version vectors the same sequence keeps the later write: it saw the first one.
        using var vv = new VersionedCluster("leaderless", 3, "--conflicts", "version-vectors");
        await vv.WaitUp();
        await WarmUp(vv);
        await vv.SetClock(2, -10_000);
        Assert.Equal(HttpStatusCode.OK, await vv.Put(1, "k", "first"));
        Assert.Equal(HttpStatusCode.OK, await vv.Put(2, "k", "second", (await vv.Get(2, "k")).Context));
        Assert.Equal(["second"], (await vv.Get(3, "k")).Values);
        // Blind writes through two coordinators are concurrent: both stay, as siblings, on every quorum read.
        Assert.Equal(HttpStatusCode.OK, await vv.Put(1, "c", "x"));
        Assert.Equal(HttpStatusCode.OK, await vv.Put(3, "c", "y"));
        foreach (var id in vv.Ids) Assert.Equal(["x", "y"], (await vv.Get(id, "c")).Values);
    }

    [Fact]
    public async Task SloppyQuorum_StandInsTakeTheWrite_AndHandItOffWhenTheHomeReplicasAreBack()
    {
        using var c = new VersionedCluster("leaderless", 5, "--n", "3", "--w", "2", "--r", "1", "--sloppy-quorum");
        await c.WaitUp();
        await WarmUp(c);
        const string key = "sloppy";
        var walk = Walk(key, 5);
        var (coordinator, away, standIns) = (walk[0], walk[1..3], walk[3..]);
        // On a loaded machine a slow (not down) home replica may have got a stand-in during the warm-up: count from here.
        Assert.True(await Api.Eventually(async () => await Sum(c, c.Ids, "hintsPending") == 0, Converge), c.Logs());
        var deliveredBefore = await Sum(c, standIns, "hintsDelivered");
        foreach (var id in away) c.Kill(id);

        // Only the coordinator of the three home replicas is up: the next nodes of the ring stand in with hints, one
        // per missing home replica (the second may still be taking it when W = 2 is reached).
        Assert.Equal(HttpStatusCode.OK, await c.Put(coordinator, key, "v"));
        Assert.Equal(["v"], await c.Local(coordinator, key));
        Assert.True(await Api.Eventually(async () => await Sum(c, standIns, "hintsPending") == 2, Converge), c.Logs());
        foreach (var id in standIns) Assert.Empty(await c.Local(id, key));   // a hint is not a replica's copy

        foreach (var id in away) c.Start(id);
        foreach (var id in away)
            Assert.True(await Api.Eventually(async () => await c.Status(id) is not null && (await c.Local(id, key)).SequenceEqual(["v"]), Converge), c.Logs());
        Assert.True(await Api.Eventually(async () =>
            await Sum(c, standIns, "hintsPending") == 0 && await Sum(c, standIns, "hintsDelivered") == deliveredBefore + 2, Converge), c.Logs());

        // A node that is not a home replica passes a version-vector put to one that is (the dot must be a home
        // replica's): the first home replica coordinates it, and the blind write stays beside "v".
        Assert.Equal(HttpStatusCode.OK, await c.Put(walk[3], key, "w"));
        Assert.Equal(["v", "w"], await c.Local(coordinator, key));
        Assert.Empty(await c.Local(walk[3], key));
    }
}
