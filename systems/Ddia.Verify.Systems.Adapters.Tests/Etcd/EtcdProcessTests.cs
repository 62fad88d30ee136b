using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Tests.Etcd;

[CollectionDefinition("etcd processes", DisableParallelization = true)]
public sealed class EtcdProcessCollection;

/// <summary>The etcd adapter and its register client against three real etcd 3.4 members per test.</summary>
[Trait("Category", "Process")]
[Collection("etcd processes")]
public sealed class EtcdProcessTests
{
    [Fact]
    public async Task RegisterClient_WritesReadsBackAndCas_OnAFollower()
    {
        await using var cluster = await EtcdTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        var client = await cluster.OpenAsync(new EtcdRegisterClient(cluster.ClientOptions), follower);
        var key = Value.Of(1);

        var absent = await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key);
        Assert.Equal((OpType.Ok, Value.Nil), (absent.Type, absent.Value));
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, RegisterOps.Write, Value.Of(3), key)).Type);
        Assert.Equal(Value.Of(3), (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key)).Value);

        var swapped = await cluster.InvokeAsync(client, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(3), Value.Of(4)), key);
        Assert.Equal(OpType.Ok, swapped.Type);
        var mismatch = await cluster.InvokeAsync(client, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(3), Value.Of(5)), key);
        Assert.Equal((OpType.Fail, Value.Of("compare-failed")), (mismatch.Type, mismatch.Error));
        Assert.Equal(Value.Of(4), (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, key)).Value);

        // From nil: only while the key is absent.
        var other = Value.Of(2);
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Nil, Value.Of(7)), other)).Type);
        Assert.Equal(OpType.Fail, (await cluster.InvokeAsync(client, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Nil, Value.Of(8)), other)).Type);
        Assert.Equal(Value.Of(7), (await cluster.InvokeAsync(client, 0, RegisterOps.Read, Value.Nil, other)).Value);

        // Another member sees the same values (reads are linearizable, wherever they are served).
        var onLeader = await cluster.OpenAsync(new EtcdRegisterClient(cluster.ClientOptions), leader);
        Assert.Equal(Value.Of(4), (await cluster.InvokeAsync(onLeader, 1, RegisterOps.Read, Value.Nil, key)).Value);
        await client.CloseAsync(cluster.Test, CancellationToken.None);
        await onLeader.CloseAsync(cluster.Test, CancellationToken.None);
    }

    [Fact]
    public async Task KillAndStart_TheRestartedMemberRecoversFromItsWal()
    {
        await using var cluster = await EtcdTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var client = await cluster.OpenAsync(new EtcdRegisterClient(cluster.ClientOptions), leader);
        await cluster.UntilOkAsync(client, 0, RegisterOps.Write, Value.Of(42), Value.Of(9));

        await cluster.Db.KillAsync(cluster.Test, leader, CancellationToken.None);
        Assert.DoesNotContain(leader, await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));
        var killed = await cluster.InvokeAsync(await cluster.OpenAsync(new EtcdRegisterClient(cluster.ClientOptions), leader), 1, RegisterOps.Write,
            Value.Of(1), Value.Of(9));
        Assert.Equal((OpType.Fail, Value.Of("connection-refused")), (killed.Type, killed.Error));
        Assert.NotEqual(leader, await cluster.LeaderAsync(TimeSpan.FromSeconds(20)));

        await cluster.Db.StartAsync(cluster.Test, leader, CancellationToken.None);
        var again = await cluster.OpenAsync(new EtcdRegisterClient(cluster.ClientOptions), leader);
        var read = await cluster.UntilOkAsync(again, 2, RegisterOps.Read, Value.Nil, Value.Of(9));
        Assert.Equal(Value.Of(42), read.Value);
        Assert.Equal(leader, ((EtcdRegisterClient)again).Target);   // served by the restarted member itself
        Assert.True(File.Exists(cluster.LogFile(leader)));
    }

    [Fact]
    public async Task Primaries_NamesExactlyOneLeader_AndPauseStopsAMember()
    {
        await using var cluster = await EtcdTestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        Assert.Equal([leader], await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));

        var follower = cluster.Nodes.First(n => n != leader);
        await cluster.Db.PauseAsync(cluster.Test, follower, CancellationToken.None);
        Assert.Equal([leader], await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));
        await cluster.Db.ResumeAsync(cluster.Test, follower, CancellationToken.None);
        Assert.Equal([leader], await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));
    }
}
