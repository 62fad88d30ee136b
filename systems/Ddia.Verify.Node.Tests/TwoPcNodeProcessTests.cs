using System.Net;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// <c>ddia-node --system 2pc</c> as real processes: transactions across hash partitions through any node, a no vote
/// leaving nothing behind, a participant in doubt after kill -9 blocking its keys until the coordinator's decision,
/// a coordinator recovering its logged decision after kill -9, and the unsafe heuristic splitting a transaction.
/// </summary>
[Trait("Category", "Process")]
public sealed class TwoPcNodeProcessTests
{
    private static readonly int[] Nodes = [1, 2, 3];

    /// <summary>A participant's own lock timeout, or, on a loaded machine, the coordinator giving up on it first.</summary>
    private static readonly string[] NoVotes = ["lock-timeout", "participant-unavailable"];

    private static NodeCluster Cluster(params string[] extra) =>
        new(3, new NodeClusterOptions { System = "2pc", Isolation = "2pl", ExtraArgs = extra });

    /// <summary>The node's own copy of the partitioning rule (FNV-1a 32 of the UTF-8 key, mod the sorted ids): if the
    /// node hashed differently, the direct participant reads below would find nothing.</summary>
    private static int Owner(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return Nodes[(int)(hash % (uint)Nodes.Length)];
    }

    private static string KeyOn(int node, string prefix) =>
        Enumerable.Range(0, 1000).Select(i => prefix + i).First(k => Owner(k) == node);

    private static object?[] Op(string f, string key, object? value) => [f, key, value];

    private static async Task<string> ReadVia(NodeCluster c, int node, params string[] keys)
    {
        var answer = await c.Applied(node, "/txn", new { ops = keys.Select(k => Op("r", k, null)).ToArray() });
        return answer.GetProperty("results").GetRawText();
    }

    private static async Task<(HttpStatusCode Code, JsonElement Body)?> TryPost(NodeCluster c, int node, string path, object body)
    {
        try
        {
            return await c.Post(node, path, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;   // the node died under the request
        }
    }

    [Theory]
    [InlineData("--isolation", "--isolation", "snapshot")]   // snapshots are per partition: prepare refuses them
    [InlineData("--peer-http", "--peer-http", "1=127.0.0.1:1")]
    [InlineData("--heuristic-timeout-ms", "--heuristic-timeout-ms", "0")]
    public async Task BadTwoPcOption_ExitsWith2_NamingIt(string named, params string[] bad)
    {
        var data = Path.Combine(Path.GetTempPath(), "ddia-node-cli-" + Guid.NewGuid().ToString("N"));
        string[] valid = ["--system", "2pc", "--id", "1", "--listen-http", "127.0.0.1:1", "--peer-http", "2=127.0.0.1:2", "--unsafe-heuristic", "--data", data];
        var (exit, stderr) = await NodeProcesses.RunToExit([.. valid, .. bad], TimeSpan.FromSeconds(20));
        Assert.Equal(2, exit);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task CrossPartitionTransaction_CommitsThroughAnyNode_AndReadsBackThroughAnother()
    {
        using var c = Cluster();
        await c.WaitUp();
        var (k1, k2, k3) = (KeyOn(1, "a"), KeyOn(2, "a"), KeyOn(3, "a"));

        var whole = await c.Applied(1, "/txn", new { ops = new[] { Op("w", k1, 1), Op("append", k2, 5), Op("w", k3, 3), Op("r", k2, null) } });
        Assert.Equal("[null,null,null,[5]]", whole.GetProperty("results").GetRawText());
        Assert.Equal("[[1],[5],[3]]", await ReadVia(c, 2, k1, k2, k3));

        // Interactive, through the third node.
        var t = (await c.Applied(3, "/txn/begin", new { })).GetProperty("txn").GetInt64();
        Assert.Equal("[5]", (await c.Applied(3, $"/txn/{t}/read", new { key = k2 })).GetProperty("value").GetRawText());
        await c.Applied(3, $"/txn/{t}/append", new { key = k2, element = 6 });
        await c.Applied(3, $"/txn/{t}/write", new { key = k1, value = 10 });
        Assert.True((await c.Applied(3, $"/txn/{t}/commit", new { })).GetProperty("committed").GetBoolean());
        Assert.Equal("[[10],[5,6],[3]]", await ReadVia(c, 1, k1, k2, k3));

        // Each value lives only on its owner: n2's own partition has k2 and not k1.
        foreach (var (key, expected) in new[] { (k2, "[5,6]"), (k1, "null") })
        {
            var direct = await c.Applied(2, "/2pc/9.1.1/read", new { key });
            Assert.Equal(expected, direct.GetProperty("value").GetRawText());
        }
        await c.Applied(2, "/2pc/9.1.1/abort", new { });
        foreach (var id in Nodes)
        {
            var s = (await c.Status(id))!.Value;
            Assert.Equal("2pc", s.GetProperty("system").GetString());
            Assert.Equal("primary", s.GetProperty("role").GetString());
            Assert.Equal(0, s.GetProperty("inDoubt").GetInt32());
            Assert.Equal(0, s.GetProperty("pendingDecisions").GetInt32());
        }
    }

    [Fact]
    public async Task Transfer_WithAParticipantSayingNo_LeavesNoPartialEffect()
    {
        using var c = Cluster();
        await c.WaitUp();
        var (a, b) = (KeyOn(1, "acct"), KeyOn(2, "acct"));
        await c.Applied(3, "/txn", new { ops = new[] { Op("w", a, 100), Op("w", b, 100) } });

        // Another open transaction holds b's lock: the transfer's write to b times out on n2, after its write to a on n1.
        var blocker = (await c.Applied(3, "/txn/begin", new { })).GetProperty("txn").GetInt64();
        await c.Applied(3, $"/txn/{blocker}/write", new { key = b, value = 0 });
        var (code, body) = await c.Post(1, "/txn", new { ops = new[] { Op("w", a, 90), Op("w", b, 110) } });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains(body.GetProperty("reason").GetString(), NoVotes);
        await c.Applied(3, $"/txn/{blocker}/abort", new { });
        Assert.Equal("[[100],[100]]", await ReadVia(c, 2, a, b));

        // A no at prepare: n2 loses its unprepared part in a crash between the writes and the commit.
        var t = (await c.Applied(1, "/txn/begin", new { })).GetProperty("txn").GetInt64();
        await c.Applied(1, $"/txn/{t}/write", new { key = a, value = 90 });
        await c.Applied(1, $"/txn/{t}/write", new { key = b, value = 110 });
        c.Kill(2);
        c.Start(2);
        await c.WaitUp(2);
        (code, body) = await c.Post(1, $"/txn/{t}/commit", new { });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("prepare-failed", body.GetProperty("reason").GetString());
        Assert.Equal("[[100],[100]]", await ReadVia(c, 3, a, b));
    }

    [Fact]
    public async Task PreparedParticipant_KilledAndRestarted_IsInDoubtAndBlocks_UntilTheCoordinatorCommits()
    {
        using var c = Cluster();
        await c.WaitUp();
        var (k1, k2) = (KeyOn(1, "x"), KeyOn(2, "x"));
        var incarnation = (await c.Status(1))!.Value.GetProperty("incarnation").GetInt64();

        // A real global transaction of n1 (its first, so its id is n1's incarnation and 1); n2 votes yes directly.
        var t = (await c.Applied(1, "/txn/begin", new { })).GetProperty("txn").GetInt64();
        var gtid = $"1.{incarnation}.{t}";
        await c.Applied(1, $"/txn/{t}/write", new { key = k1, value = 1 });
        await c.Applied(1, $"/txn/{t}/write", new { key = k2, value = 2 });
        Assert.True((await c.Applied(2, $"/2pc/{gtid}/prepare", new { })).GetProperty("prepared").GetBoolean());

        c.Kill(2);
        c.Start(2);
        await c.WaitUp(2);
        Assert.Equal(1, await c.StatusLong(2, "inDoubt"));
        // It asks n1 meanwhile and hears "pending": still in doubt, the key still locked (a writer via n3 times out).
        await Task.Delay(1200);
        Assert.Equal(1, await c.StatusLong(2, "inDoubt"));
        var (code, body) = await c.Post(3, "/txn", new { ops = new[] { Op("w", k2, 99) } });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains(body.GetProperty("reason").GetString(), NoVotes);

        // The coordinator commits: n2's vote survived the crash, so phase 2 installs its part.
        Assert.True((await c.Applied(1, $"/txn/{t}/commit", new { })).GetProperty("committed").GetBoolean());
        Assert.Equal(0, await c.StatusLong(2, "inDoubt"));
        Assert.Equal("[[1],[2]]", await ReadVia(c, 3, k1, k2));
    }

    [Fact]
    public async Task PreparedParticipant_OfACoordinatorsPreviousLife_IsPresumedAborted()
    {
        using var c = Cluster();
        await c.WaitUp();
        var k2 = KeyOn(2, "y");
        await c.Applied(1, "/txn", new { ops = new[] { Op("w", k2, 7) } });
        // Incarnation 1 is not n3's current one (random), and n3 logged no commit for it.
        await c.Applied(2, "/2pc/3.1.1/write", new { key = k2, value = 8 });
        await c.Applied(2, "/2pc/3.1.1/prepare", new { });
        c.Kill(2);
        c.Start(2);
        await c.WaitUp(2);
        Assert.True(await Api.Eventually(async () => await c.StatusLong(2, "inDoubt") == 0, TimeSpan.FromSeconds(10)), c.Logs());
        Assert.Equal("[[7]]", await ReadVia(c, 1, k2));
    }

    [Fact]
    public async Task CoordinatorKilledAfterLoggingCommit_RecoversAndFinishesPhase2()
    {
        using var c = Cluster();
        await c.WaitUp();
        var (k2, k3) = (KeyOn(2, "z"), KeyOn(3, "z"));
        c.Kill(1);
        c.Start(1, ["--test-crash", "after-decision"]);
        await c.WaitUp(1);

        // n1 logs commit, tells n2 only, and dies.
        Assert.Null(await TryPost(c, 1, "/txn", new { ops = new[] { Op("w", k2, 1), Op("w", k3, 1) } }));
        Assert.True(c.WaitForExit(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("[[1]]", await ReadVia(c, 2, k2));
        Assert.Equal(1, await c.StatusLong(3, "inDoubt"));
        var (code, _) = await c.Post(2, "/txn", new { ops = new[] { Op("r", k3, null) } });
        Assert.Equal(HttpStatusCode.Conflict, code);   // n3's part is locked in doubt while n1 is down

        c.Start(1);
        await c.WaitUp(1);
        Assert.Equal(1, await c.StatusLong(1, "recoveredDecisions"));
        Assert.True(await Api.Eventually(async () => await c.StatusLong(3, "inDoubt") == 0 && await c.StatusLong(1, "pendingDecisions") == 0,
            TimeSpan.FromSeconds(10)), c.Logs());
        Assert.Equal("[[1],[1]]", await ReadVia(c, 2, k2, k3));
    }

    [Fact]
    public async Task CoordinatorKilledDuringPhase1_SafeModeAbortsEverywhere()
    {
        using var c = Cluster();
        await c.WaitUp();
        var (k2, k3) = (KeyOn(2, "v"), KeyOn(3, "v"));
        c.Kill(1);
        c.Start(1, ["--test-crash", "after-first-prepare"]);
        await c.WaitUp(1);
        Assert.Null(await TryPost(c, 1, "/txn", new { ops = new[] { Op("w", k2, 1), Op("w", k3, 1) } }));
        Assert.True(c.WaitForExit(1, TimeSpan.FromSeconds(10)));
        await Task.Delay(1000);
        Assert.Equal(1, await c.StatusLong(2, "inDoubt"));   // no answer from n1: keeps waiting

        c.Start(1);
        await c.WaitUp(1);
        // The new incarnation has no commit for it: presumed abort; n3's unprepared part goes when idle.
        Assert.True(await Api.Eventually(async () => await c.StatusLong(2, "inDoubt") == 0, TimeSpan.FromSeconds(10)), c.Logs());
        Assert.True(await Api.Eventually(async () => (await c.Post(2, "/txn", new { ops = new[] { Op("r", k2, null), Op("r", k3, null) } })).Code == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20)), c.Logs());
        Assert.Equal("[null,null]", await ReadVia(c, 2, k2, k3));
    }

    [Fact]
    public async Task UnsafeHeuristic_CoordinatorKilledDuringPhase2_SplitsTheTransaction()
    {
        using var c = Cluster("--unsafe-heuristic", "--heuristic-timeout-ms", "1000");
        await c.WaitUp();
        var (k2, k3) = (KeyOn(2, "u"), KeyOn(3, "u"));
        c.Kill(1);
        c.Start(1, ["--test-crash", "after-decision"]);
        await c.WaitUp(1);

        // Both prepared, n2 got the commit, then the coordinator died: n3 rolls back on its own after 1 s, and the
        // restarted coordinator (which logged nothing) cannot finish it. Half a transaction.
        Assert.Null(await TryPost(c, 1, "/txn", new { ops = new[] { Op("w", k2, 1), Op("w", k3, 1) } }));
        Assert.True(c.WaitForExit(1, TimeSpan.FromSeconds(10)));
        c.Start(1);
        await c.WaitUp(1);
        Assert.True(await Api.Eventually(async () => await c.StatusLong(3, "heuristicAborts") == 1, TimeSpan.FromSeconds(10)), c.Logs());
        Assert.Equal(0, await c.StatusLong(3, "inDoubt"));
        Assert.Equal(0, await c.StatusLong(2, "heuristicAborts"));
        Assert.Equal("[[1],null]", await ReadVia(c, 3, k2, k3));
    }
}
