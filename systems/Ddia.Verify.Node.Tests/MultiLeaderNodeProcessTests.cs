using System.Net;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// <c>ddia-node --system multi-leader</c> as three real processes: a write at one leader reaches the others
/// asynchronously, and still does after its leader was killed (-9) with the write unshipped; concurrent writes at two
/// leaders both survive as siblings under version vectors until a write that saw both replaces them, and under LWW the
/// one with the older wall clock is silently lost, everywhere.
/// </summary>
[Trait("Category", "Process")]
public sealed class MultiLeaderNodeProcessTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);

    private static async Task AllShow(VersionedCluster c, string key, params string[] values)
    {
        foreach (var id in c.Ids)
        {
            Assert.True(await Api.Eventually(async () => (await c.Get(id, key)).Values.SequenceEqual(values), Converge),
                $"n{id} never showed [{string.Join(",", values)}] for {key}: [{string.Join(",", (await c.Get(id, key)).Values)}]\n{c.Logs()}");
        }
    }

    private static async Task<long> StatusLong(VersionedCluster c, int id, string field, string? peer = null)
    {
        var s = (await c.Status(id))!.Value.GetProperty(field);
        return peer is null ? s.GetInt64() : s.GetProperty(peer).GetInt64();
    }

    [Fact]
    public async Task Write_ReachesEveryLeader_AndAWriteUnshippedAtKill9_IsShippedAfterRestart()
    {
        using var c = new VersionedCluster("multi-leader", 3);
        await c.WaitUp();
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "a", "1"));
        Assert.Equal(["1"], (await c.Get(1, "a")).Values);   // acknowledged means applied here
        await AllShow(c, "a", "1");

        // n3 is down: n1 acknowledges anyway (asynchronous), holds the write for n3, and dies before shipping it.
        // (Down, not paused: a paused n3 would still find n1's request in its socket when it wakes up.)
        c.Kill(3);
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "b", "2"));
        Assert.True(await Api.Eventually(async () => (await c.Get(2, "b")).Values.SequenceEqual(["2"]), Converge), c.Logs());
        Assert.True(await Api.Eventually(async () => await StatusLong(c, 1, "pending", "n3") == 1, Converge), c.Logs());
        c.Kill(1);
        c.Start(3);
        await c.WaitUp(3);
        Assert.Empty((await c.Get(3, "b")).Values);

        c.Start(1);
        await c.WaitUp(1);
        Assert.Equal(["2"], (await c.Get(1, "b")).Values);
        await AllShow(c, "b", "2");
        Assert.Equal(2, await StatusLong(c, 1, "localWrites"));
        Assert.True(await Api.Eventually(async () => await StatusLong(c, 1, "pending", "n3") == 0, Converge), c.Logs());
        Assert.Equal(2, await StatusLong(c, 3, "applied", "n1"));   // each write of n1 applied once, resent or not
        var status = (await c.Status(2))!.Value;
        Assert.Equal("multi-leader", status.GetProperty("system").GetString());
        Assert.Equal("leader", status.GetProperty("role").GetString());
        Assert.Equal("version-vectors", status.GetProperty("conflicts").GetString());
    }

    [Fact]
    public async Task VersionVectors_ConcurrentWritesAtTwoLeaders_BothSurvive_UntilAWriteThatSawBothReplacesThem()
    {
        using var c = new VersionedCluster("multi-leader", 3, "--conflicts", "version-vectors");
        await c.WaitUp();
        // Blind writes (no context): each is concurrent with everything, whenever the other one arrives.
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "k", "from-n1"));
        Assert.Equal(HttpStatusCode.OK, await c.Put(2, "k", "from-n2"));
        await AllShow(c, "k", "from-n1", "from-n2");

        var (_, context) = await c.Get(3, "k");
        Assert.Equal(HttpStatusCode.OK, await c.Put(3, "k", "merged", context));
        await AllShow(c, "k", "merged");

        // A write with a context that saw only the merged value, concurrent with a blind one: siblings again.
        var (_, seen) = await c.Get(1, "k");
        Assert.Equal(HttpStatusCode.OK, await c.Put(2, "k", "blind"));
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "k", "after-merged", seen));
        await AllShow(c, "k", "after-merged", "blind");
        Assert.Equal(HttpStatusCode.BadRequest, await c.Put(1, "k", "x", "not a context"));
    }

    [Fact]
    public async Task Lww_TheWriteOfTheLeaderWithTheSlowClock_IsSilentlyLostEverywhere()
    {
        using var c = new VersionedCluster("multi-leader", 3, "--conflicts", "lww");
        await c.WaitUp();
        await c.SetClock(2, -10_000);
        Assert.Equal(HttpStatusCode.OK, await c.Put(1, "k", "first"));
        await AllShow(c, "k", "first");
        // Later in real time, and it saw "first": acknowledged, yet its timestamp is 10 s older, so it loses.
        Assert.Equal(HttpStatusCode.OK, await c.Put(2, "k", "second", (await c.Get(2, "k")).Context));
        Assert.Equal(HttpStatusCode.OK, await c.Put(2, "other", "x"));
        await AllShow(c, "other", "x");   // n2 ships its writes in order: "second" arrived everywhere before this one
        await AllShow(c, "k", "first");
        Assert.Equal(2, await StatusLong(c, 1, "applied", "n2"));   // "second" was applied, and lost
    }
}
