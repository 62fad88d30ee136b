using System.Diagnostics;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Systems.Adapters.Tests.Etcd;

/// <summary>The lock-set client against three real etcd 3.4 members: adds through etcd's lock from every member, the
/// lock making an add wait for its holder, and what a dead member makes of an add.</summary>
[Trait("Category", "Process")]
[Collection("etcd processes")]
public sealed class EtcdLockSetProcessTests
{
    [Fact]
    public async Task Adds_FromEveryMember_AllReachTheSet_AndADeadMembersAddFails()
    {
        await using var cluster = await EtcdTestCluster.StartAsync();
        await cluster.LeaderAsync();
        var prototype = new EtcdLockSetClient(cluster.ClientOptions with { KeyPrefix = "ls/" });
        var clients = new List<Abstractions.IClient>();
        foreach (var node in cluster.Nodes) clients.Add(await cluster.OpenAsync(prototype, node));

        var empty = await cluster.InvokeAsync(clients[0], 0, SetOps.Read, Value.Nil);
        Assert.Equal((OpType.Ok, SetOps.ReadValue([])), (empty.Type, empty.Value));
        // Concurrent adds from all three members: the lock serialises them, so none overwrites another.
        var adds = await Task.WhenAll(Enumerable.Range(0, 9).Select(e => cluster.InvokeAsync(clients[e % 3], e % 3, SetOps.Add, Value.Of(e))));
        Assert.All(adds, a => Assert.Equal(OpType.Ok, a.Type));
        var read = await cluster.InvokeAsync(clients[2], 2, SetOps.Read, Value.Nil);
        Assert.Equal(SetOps.ReadValue(Enumerable.Range(0, 9).Select(e => (long)e)), read.Value);

        var dead = cluster.Nodes[1];
        await cluster.Db.KillAsync(cluster.Test, dead, CancellationToken.None);
        var refused = await cluster.InvokeAsync(await cluster.OpenAsync(prototype, dead), 3, SetOps.Add, Value.Of(100));
        Assert.Equal((OpType.Fail, Value.Of("lease: connection-refused")), (refused.Type, refused.Error));
        foreach (var c in clients) await c.CloseAsync(cluster.Test, CancellationToken.None);
    }

    [Fact]
    public async Task AnAdd_WaitsForTheLocksHolder_AndEtcd34GrantsItEvenAfterItsOwnLeaseExpired()
    {
        await using var cluster = await EtcdTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var prototype = new EtcdLockSetClient(cluster.ClientOptions with { KeyPrefix = "ls/", LockTtlSeconds = 2 });
        var client = await cluster.OpenAsync(prototype, cluster.Nodes.First(n => n != leader));

        // Another holder takes the lock with a 30 s lease, straight through the gateway.
        using var http = NodeHttp.Client(TimeSpan.FromSeconds(2));
        var url = (string path) => NodeHttp.Url(leader, cluster.ClientOptions.ClientPort, path);
        var grant = await EtcdGateway.PostAsync(http, url(EtcdGateway.LeaseGrantPath), EtcdGateway.LeaseGrant(30), CancellationToken.None);
        var lease = EtcdGateway.LeaseId(grant.Body)!;
        var locked = await EtcdGateway.PostAsync(http, url(EtcdGateway.LockPath), EtcdGateway.Lock(prototype.LockName, lease), CancellationToken.None);
        Assert.Equal(EtcdOutcome.Done, locked.Outcome);

        var clock = Stopwatch.StartNew();
        var add = cluster.InvokeAsync(client, 0, SetOps.Add, Value.Of(7));
        // Held for twice the add's 2 s lease: its lock key expires while it waits.
        var hold = TimeSpan.FromSeconds(4);
        await Task.Delay(hold);
        Assert.False(add.IsCompleted, "the add must wait while another holds the lock");
        var unlocked = await EtcdGateway.PostAsync(http, url(EtcdGateway.UnlockPath), EtcdGateway.Unlock(EtcdGateway.LockKey(locked.Body)!), CancellationToken.None);
        Assert.Equal(EtcdOutcome.Done, unlocked.Outcome);

        // etcd 3.4's lock does not check that the waiter's key outlived the wait: the add gets in without a live lease,
        // which is what lets two clients hold the lock at once.
        var done = await add.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(OpType.Ok, done.Type);
        Assert.True(clock.Elapsed >= hold, $"the add completed after {clock.Elapsed}");
        var read = await cluster.InvokeAsync(client, 0, SetOps.Read, Value.Nil);
        Assert.Equal(SetOps.ReadValue([7]), read.Value);
        await client.CloseAsync(cluster.Test, CancellationToken.None);
    }
}
