using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>Three real ddia-node processes per test (DESIGN.md §4, the raft row). Tests of this class run one at a
/// time; every wait polls against a deadline.</summary>
[Trait("Category", "Process")]
public sealed class RaftNodeProcessTests
{
    private static readonly TimeSpan ElectionDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ThreeNodes_ElectExactlyOneLeader()
    {
        using var cluster = new NodeCluster(3);
        var leader = await cluster.WaitForStableLeader(cluster.Ids, ElectionDeadline);
        var roles = new List<string>();
        foreach (var id in cluster.Ids) roles.Add((await cluster.Status(id))!.Value.GetProperty("role").GetString()!);
        Assert.Single(roles, r => r == "leader");
        Assert.Contains(leader, cluster.Ids);
    }

    [Fact]
    public async Task WriteThenReadViaLeader_AndFollowerAnswersNotLeaderWithHint()
    {
        using var cluster = new NodeCluster(3);
        var leader = await cluster.WaitForStableLeader(cluster.Ids, ElectionDeadline);
        var write = await WriteUntilDone(cluster, leader, "x", "42");
        Assert.True(write.GetProperty("ok").GetBoolean());
        var read = await ReadUntilDone(cluster, [leader], "x");
        Assert.Equal("42", read.GetProperty("value").GetString());

        var follower = cluster.Ids.First(id => id != leader);
        var (code, body) = await cluster.Post(follower, "/kv/write", new { key = "y", value = "1" });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("not-leader", body.GetProperty("error").GetString());
        Assert.Equal("n" + leader.ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("leader").GetString());
    }

    [Fact]
    public async Task KillLeader_NewLeaderKeepsAcknowledgedWrite_RestartedNodeCatchesUp()
    {
        using var cluster = new NodeCluster(3);
        var leader = await cluster.WaitForStableLeader(cluster.Ids, ElectionDeadline);
        await WriteUntilDone(cluster, leader, "k", "before-crash");

        cluster.Kill(leader);
        var survivors = cluster.Ids.Where(id => id != leader).ToList();
        var newLeader = await cluster.WaitForStableLeader(survivors, ElectionDeadline);
        Assert.NotEqual(leader, newLeader);
        var read = await ReadUntilDone(cluster, survivors, "k");
        Assert.Equal("before-crash", read.GetProperty("value").GetString());

        // Restart with the same data directory and ports; it must catch up with the leader, a write made while it
        // was down included.
        var during = await WriteUntilDone(cluster, newLeader, "k2", "while-down");
        Assert.True(during.GetProperty("ok").GetBoolean());
        cluster.Start(leader);
        var deadline = Stopwatch.StartNew();
        long leaderApplied = -1, restartedApplied = -2;
        while (deadline.Elapsed < ElectionDeadline)
        {
            var l = await cluster.Status(newLeader);
            var r = await cluster.Status(leader);
            if (l is { } ls && r is { } rs)
            {
                leaderApplied = ls.GetProperty("appliedIndex").GetInt64();
                restartedApplied = rs.GetProperty("appliedIndex").GetInt64();
                if (restartedApplied >= leaderApplied && leaderApplied > 0) break;
            }
            await Task.Delay(50);
        }
        Assert.True(restartedApplied >= leaderApplied,
            $"restarted node applied {restartedApplied}, leader {leaderApplied}\n{cluster.Logs()}");
    }

    [Fact]
    public async Task AdminClock_ShiftsTheWallBasedLeaseInStatus()
    {
        using var cluster = new NodeCluster(3);
        var leader = await cluster.WaitForStableLeader(cluster.Ids, ElectionDeadline);
        var before = await LeaseExpiry(cluster, leader);
        const long offset = 3_600_000;
        var (code, body) = await cluster.Post(leader, "/admin/clock", new { offsetMs = offset });
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(offset, body.GetProperty("offsetMs").GetInt64());

        var deadline = Stopwatch.StartNew();
        JsonElement status = default;
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            status = (await cluster.Status(leader))!.Value;
            if (status.GetProperty("leaseExpiresWallMs") is { ValueKind: JsonValueKind.Number } lease
                && lease.GetInt64() >= before + offset / 2)
                break;
            await Task.Delay(20);
        }
        Assert.Equal(offset, status.GetProperty("clockOffsetMs").GetInt64());
        Assert.True(status.GetProperty("wallNowMs").GetInt64() >= before + offset / 2, status.GetRawText());
        Assert.True(status.GetProperty("leaseExpiresWallMs").GetInt64() >= before + offset / 2, status.GetRawText());
    }

    private static async Task<long> LeaseExpiry(NodeCluster cluster, int leader)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (await cluster.Status(leader) is { } s && s.GetProperty("leaseExpiresWallMs") is { ValueKind: JsonValueKind.Number } lease)
                return lease.GetInt64();
            await Task.Delay(20);
        }
        throw new TimeoutException("the leader never reported a lease\n" + cluster.Logs());
    }

    /// <summary>Writes via <paramref name="leader"/>, retrying while the answer is a timeout (the write may be
    /// applied twice, which is harmless for these assertions) until it completes.</summary>
    private static async Task<JsonElement> WriteUntilDone(NodeCluster cluster, int leader, string key, string value)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < ElectionDeadline)
        {
            var (code, body) = await cluster.Post(leader, "/kv/write", new { key, value });
            if (code == HttpStatusCode.OK) return body;
            last = $"{code} {body.GetRawText()}";
            await Task.Delay(50);
        }
        throw new TimeoutException($"write {key} never completed: {last}\n{cluster.Logs()}");
    }

    /// <summary>Reads from whichever of <paramref name="nodes"/> answers 200 first, polling until the deadline.</summary>
    private static async Task<JsonElement> ReadUntilDone(NodeCluster cluster, IReadOnlyList<int> nodes, string key)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < ElectionDeadline)
        {
            foreach (var id in nodes)
            {
                var (code, body) = await cluster.Post(id, "/kv/read", new { key });
                if (code == HttpStatusCode.OK) return body;
                last = $"{code} {body.GetRawText()}";
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"read {key} never completed: {last}\n{cluster.Logs()}");
    }
}
