using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.Workloads.Lock;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Tests.Raft;

[CollectionDefinition("raft processes", DisableParallelization = true)]
public sealed class RaftProcessCollection;

/// <summary>The Raft adapter and its clients against three real ddia-node processes per test.</summary>
[Trait("Category", "Process")]
[Collection("raft processes")]
public sealed class RaftProcessTests
{
    [Fact]
    public async Task RegisterClient_OnAFollowerThatForwards_StaysWithItsNode()
    {
        await using var cluster = await RaftTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        var client = (RaftRegisterClient)await cluster.OpenAsync(new RaftRegisterClient(cluster.ClientOptions), follower);
        var key = Value.Of(1);

        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, RegisterOps.Write, Value.Of(3), key)).Type);
        Assert.Equal(Value.Of(3), (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key)).Value);
        Assert.Equal(follower, client.Target);
        await client.CloseAsync(cluster.Test, CancellationToken.None);
    }

    [Fact]
    public async Task RegisterClient_WritesReadsAndCas_AndFollowsTheLeaderHintForItsNextOp()
    {
        await using var cluster = await RaftTestCluster.StartAsync(forwardToLeader: false);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        var client = (RaftRegisterClient)await cluster.OpenAsync(new RaftRegisterClient(cluster.ClientOptions), follower);
        var key = Value.Of(1);

        var refused = await cluster.InvokeAsync(client, 0, RegisterOps.Write, Value.Of(3), key);
        Assert.Equal(OpType.Fail, refused.Type);
        Assert.Equal(Value.Of("not-leader"), refused.Error);
        Assert.Equal(leader, client.Target);

        var absent = await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key);
        Assert.Equal((OpType.Ok, Value.Nil), (absent.Type, absent.Value));
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, RegisterOps.Write, Value.Of(3), key)).Type);
        Assert.Equal(Value.Of(3), (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key)).Value);
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(3), Value.Of(4)), key)).Type);
        var mismatch = await cluster.InvokeAsync(client, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(3), Value.Of(5)), key);
        Assert.Equal(OpType.Fail, mismatch.Type);
        Assert.Equal(Value.Of(4), (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key)).Value);
        Assert.Equal(Value.Nil, (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, Value.Of(2))).Value);
        await client.CloseAsync(cluster.Test, CancellationToken.None);
    }

    [Fact]
    public async Task LockClient_WithFencing_RefusesAPausedHoldersStaleTokenWrite()
    {
        await using var cluster = await RaftTestCluster.StartAsync(fencing: true);
        var (first, second, history) = await TwoHoldersAsync(cluster);

        // The first holder wakes from its "GC pause" and writes under its old token: the storage fences it off.
        var clock = Stopwatch.StartNew();
        var stale = await cluster.InvokeAsync(first, 0, LockOps.Write, LockOps.WriteValue(3, stallMs: 300));
        // Timers may fire a little early by the stopwatch: what matters is that it waited, not to the millisecond.
        Assert.True(clock.ElapsedMilliseconds >= 250, $"the client stalls before it sends (waited {clock.ElapsedMilliseconds} ms)");
        Assert.Equal(OpType.Fail, stale.Type);
        Assert.Contains("older than the highest", stale.Error!.AsText, StringComparison.Ordinal);
        history.Add(stale);

        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(second, 1, LockOps.Release, Value.Nil)).Type);
        Assert.Equal(OpType.Fail, (await cluster.InvokeAsync(first, 0, LockOps.Release, Value.Nil)).Type);   // not the holder any more
        var noToken = await cluster.InvokeAsync(first, 0, LockOps.Write, LockOps.WriteValue(4, 0));
        Assert.Equal((OpType.Fail, Value.Of("no-token")), (noToken.Type, noToken.Error));
        Assert.Equal(Validity.Valid, new FencedWritesChecker().Check(Pair(history), new CheckOptions()).Validity);
    }

    [Fact]
    public async Task LockClient_WithoutFencing_LetsTheStaleWriteLandAfterTheNextHolders()
    {
        await using var cluster = await RaftTestCluster.StartAsync(fencing: false);
        var (first, _, history) = await TwoHoldersAsync(cluster);

        var stale = await cluster.InvokeAsync(first, 0, LockOps.Write, LockOps.WriteValue(3, stallMs: 100));
        Assert.Equal(OpType.Ok, stale.Type);
        history.Add(stale);

        var secondsWrite = history.Single(o => LockOps.Field(o.Value, "value") == 2);
        Assert.True(LockOps.Field(stale.Value, "index") > LockOps.Field(secondsWrite.Value, "index"));
        Assert.True(LockOps.Field(stale.Value, "token") < LockOps.Field(secondsWrite.Value, "token"));
        var result = new FencedWritesChecker().Check(Pair(history), new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Single(result.Anomalies);
    }

    [Fact]
    public async Task KillAndStart_TheRestartedNodeRecoversFromItsLog()
    {
        await using var cluster = await RaftTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var client = await cluster.OpenAsync(new RaftRegisterClient(cluster.ClientOptions), leader);
        await cluster.UntilOkAsync(client, 0, RegisterOps.Write, Value.Of(42), Value.Of(9));

        await cluster.Db.KillAsync(cluster.Test, leader, CancellationToken.None);
        Assert.DoesNotContain(leader, await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));
        var newLeader = await cluster.LeaderAsync();
        Assert.NotEqual(leader, newLeader);
        await cluster.Db.StartAsync(cluster.Test, leader, CancellationToken.None);

        // Only the restarted node is asked (a client opened on it follows its leader hint): it came back and knows the cluster.
        var again = await cluster.OpenAsync(new RaftRegisterClient(cluster.ClientOptions), leader);
        var read = await cluster.UntilOkAsync(again, 1, RegisterOps.Read, Value.Nil, Value.Of(9));
        Assert.Equal(Value.Of(42), read.Value);
        var status = await StatusAsync(cluster, leader);
        Assert.Contains("appliedIndex", status, StringComparison.Ordinal);
        Assert.Contains("node.log", Path.GetFileName(cluster.LogFile(leader)), StringComparison.Ordinal);
        Assert.True(File.Exists(cluster.LogFile(leader)));
    }

    [Fact]
    public async Task PauseAndResume_StopAndContinueTheNodesProcess()
    {
        await using var cluster = await RaftTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);

        await cluster.Db.PauseAsync(cluster.Test, follower, CancellationToken.None);
        Assert.Null(await StatusAsync(cluster, follower));
        Assert.Equal([leader], await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));

        await cluster.Db.ResumeAsync(cluster.Test, follower, CancellationToken.None);
        Assert.NotNull(await StatusAsync(cluster, follower));
    }

    [Fact]
    public async Task Teardown_KillsTheNodes_AndKeepsTheirLogs()
    {
        var cluster = await RaftTestCluster.StartAsync();
        try
        {
            foreach (var node in cluster.Nodes) await cluster.Db.TeardownAsync(cluster.Test, node, CancellationToken.None);

            foreach (var node in cluster.Nodes)
            {
                var deadline = Stopwatch.StartNew();
                while (await StatusAsync(cluster, node) is not null && deadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50);
                Assert.Null(await StatusAsync(cluster, node));
                Assert.True(File.Exists(cluster.LogFile(node)));
                var pid = int.Parse(File.ReadAllText(Path.Combine(cluster.Remote.NodeDirectory(node), "node.pid")).Trim(), CultureInfo.InvariantCulture);
                // The kernel closes the sockets before the process is fully gone: give it a moment.
                while (LocalTestRemote.IsAlive(pid) && deadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50);
                Assert.False(LocalTestRemote.IsAlive(pid));
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// Process 0 acquires a short lease on the leader and writes value 1; the lease runs out; process 1 acquires
    /// (a higher token) and writes value 2. Returns both clients and the history so far (invocations and completions).
    /// </summary>
    private static async Task<(IClient First, IClient Second, List<Op> History)> TwoHoldersAsync(RaftTestCluster cluster)
    {
        var leader = await cluster.LeaderAsync();
        var prototype = new RaftLockClient(cluster.ClientOptions);
        var first = await cluster.OpenAsync(prototype, leader);
        var second = await cluster.OpenAsync(prototype, leader);
        var history = new List<Op>();

        var acquired = await cluster.UntilOkAsync(first, 0, LockOps.Acquire, LockOps.AcquireOp(300).Value!);
        var firstWrite = await cluster.InvokeAsync(first, 0, LockOps.Write, LockOps.WriteValue(1, 0));
        Assert.Equal(OpType.Ok, firstWrite.Type);
        Assert.Equal(LockOps.Field(acquired.Value, "token"), LockOps.Field(firstWrite.Value, "token"));
        history.Add(firstWrite);

        // Another holder gets the lock once the 300 ms lease has expired (fresh acquires until then fail: lock held).
        var next = await cluster.UntilOkAsync(second, 1, LockOps.Acquire, LockOps.AcquireOp(60_000).Value!);
        Assert.True(LockOps.Field(next.Value, "token") > LockOps.Field(acquired.Value, "token"));
        var secondWrite = await cluster.InvokeAsync(second, 1, LockOps.Write, LockOps.WriteValue(2, 0));
        Assert.Equal(OpType.Ok, secondWrite.Type);
        history.Add(secondWrite);
        return (first, second, history);
    }

    /// <summary>Completions made into a history: each preceded by its invocation (the value the workload sends).</summary>
    private static Ddia.Verify.History.History Pair(List<Op> completions)
    {
        var ops = new List<Op>();
        foreach (var c in completions)
        {
            var sent = LockOps.WriteValue(LockOps.Field(c.Value, "value")!.Value, LockOps.Field(c.Value, "stallMs") ?? 0);
            ops.Add(c with { Index = ops.Count, Type = OpType.Invoke, Value = sent });
            ops.Add(c with { Index = ops.Count });
        }
        return new(ops);
    }

    private static async Task<string?> StatusAsync(RaftTestCluster cluster, Node node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(700) };
        try
        {
            return await http.GetStringAsync(new Uri($"http://{node.Address}:{cluster.ClientOptions.HttpPort.ToString(CultureInfo.InvariantCulture)}/admin/status"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
