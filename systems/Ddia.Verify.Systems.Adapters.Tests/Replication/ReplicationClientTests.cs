using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Replication;
using Ddia.Verify.Workloads.Counter;
using Ddia.Verify.Workloads.Register;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Systems.Adapters.Tests.Replication;

/// <summary>
/// The replication client over real HTTP against <see cref="ContractStub"/> nodes (the contract's key-value API, until
/// ddia-node's replication systems exist): how each workload's ops become gets and puts, where each request goes, and
/// what every kind of answer, lost answer or late answer makes of the op.
/// </summary>
public sealed class ReplicationClientTests : IDisposable
{
    private readonly ContractStub stub = ContractStub.Start(silent: true);

    public void Dispose() => stub.Dispose();

    private TestContext Test => new("t", stub.Nodes, 1, TimeProvider.System);

    private async Task<ReplicationClient> OpenAsync(ReplicationClientOptions options, int node = 0) =>
        (ReplicationClient)await new ReplicationClient(options with { HttpPort = stub.Port }).OpenAsync(Test, stub.Nodes[node], CancellationToken.None);

    private async Task<Op> InvokeAsync(ReplicationClient client, string f, Value value, Value? key = null) =>
        await client.InvokeAsync(Test, new Op(0, 0, OpType.Invoke, 0, f, value, key), CancellationToken.None);

    private static string Text(JsonElement body, string name) => body.GetProperty(name).GetString()!;

    [Fact]
    public async Task Set_AddPutsTheUnionOfItsKeysSiblingsWithTheElement_AndAReadUnionsEveryKey()
    {
        var client = await OpenAsync(new ReplicationClientOptions().ForSet(new SetOptions { Keys = 2 }));
        stub.Seed("set/1", "[1]", "[3,5]");

        var add = await InvokeAsync(client, SetOps.Add, Value.Of(7));
        var other = await InvokeAsync(client, SetOps.Add, Value.Of(2));
        var read = await InvokeAsync(client, SetOps.Read, Value.Nil);

        Assert.Equal((OpType.Ok, OpType.Ok), (add.Type, other.Type));
        Assert.Equal(["[1,3,5,7]"], stub.ValuesOf("set/1"));
        Assert.Equal(["[2]"], stub.ValuesOf("set/0"));
        var put = stub.RequestsTo("/kv/put")[0].Body;
        Assert.Equal(("set/1", "1"), (Text(put, "key"), Text(put, "context")));
        Assert.Equal(OpType.Ok, read.Type);
        Assert.Equal(SetOps.ReadValue([1, 2, 3, 5, 7]), read.Value);
        Assert.Equal(["set/0", "set/1"], stub.RequestsTo("/kv/get").TakeLast(2).Select(r => Text(r.Body, "key")).Order());
    }

    [Fact]
    public async Task Set_AddWhoseGetFails_FailsWithoutWriting()
    {
        var client = await OpenAsync(new ReplicationClientOptions { Workload = "set" });
        stub.Override = (_, path, _) => path == "/kv/get" ? new StubReply(503, """{"error":"unavailable","reason":"no quorum"}""") : null;

        var add = await InvokeAsync(client, SetOps.Add, Value.Of(3));

        Assert.Equal((OpType.Fail, Value.Of("unavailable: no quorum")), (add.Type, add.Error));
        Assert.Empty(stub.RequestsTo("/kv/put"));
    }

    [Fact]
    public async Task Counter_AddWritesTheGreatestSiblingPlusOne_WithTheGetsContext()
    {
        var client = await OpenAsync(new ReplicationClientOptions().ForCounter(new CounterOptions { Key = "c" }));
        stub.Seed("c", "4", "6");

        var add = await InvokeAsync(client, CounterOps.Add, Value.Of(1));
        var read = await InvokeAsync(client, CounterOps.Read, Value.Nil);

        Assert.Equal(OpType.Ok, add.Type);
        Assert.Equal(["7"], stub.ValuesOf("c"));
        Assert.Equal("1", Text(stub.RequestsTo("/kv/put").Single().Body, "context"));
        Assert.Equal((OpType.Ok, Value.Of(7)), (read.Type, read.Value));
    }

    [Fact]
    public async Task Register_ReadsWritesAndCas_AndASiblingReadFails()
    {
        var client = await OpenAsync(new ReplicationClientOptions());

        var absent = await InvokeAsync(client, RegisterOps.Read, Value.Nil, Value.Of(3));
        var write = await InvokeAsync(client, RegisterOps.Write, Value.Of(2), Value.Of(3));
        var read = await InvokeAsync(client, RegisterOps.Read, Value.Nil, Value.Of(3));
        var casOk = await InvokeAsync(client, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(2), Value.Of(4)), Value.Of(3));
        var casFail = await InvokeAsync(client, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(2), Value.Of(1)), Value.Of(3));
        stub.Seed("r/0", "1", "2");
        var siblings = await InvokeAsync(client, RegisterOps.Read, Value.Nil);

        Assert.Equal((OpType.Ok, Value.Nil), (absent.Type, absent.Value));
        Assert.Equal(OpType.Ok, write.Type);
        Assert.Equal(JsonValueKind.Null, stub.RequestsTo("/kv/put").Single().Body.GetProperty("context").ValueKind);
        Assert.Equal((OpType.Ok, Value.Of(2)), (read.Type, read.Value));
        Assert.Equal((OpType.Ok, OpType.Fail), (casOk.Type, casFail.Type));
        Assert.Equal(["4"], stub.ValuesOf("r/3"));
        Assert.Equal((OpType.Fail, Value.Of("siblings")), (siblings.Type, siblings.Error));
    }

    [Fact]
    public async Task Register_ReadBeforeWrite_PutsWithTheContextOfItsGet()
    {
        var client = await OpenAsync(new ReplicationClientOptions { ReadBeforeWrite = true });
        stub.Seed("r/0", "1", "2");

        var write = await InvokeAsync(client, RegisterOps.Write, Value.Of(5));

        Assert.Equal(OpType.Ok, write.Type);
        Assert.Equal(["/kv/get", "/kv/put"], stub.Requests.Select(r => r.Path));
        Assert.Equal("1", Text(stub.RequestsTo("/kv/put").Single().Body, "context"));
        Assert.Equal(["5"], stub.ValuesOf("r/0"));
    }

    [Fact]
    public async Task NotLeader_FailsTheOp_AndTheNextOpGoesToTheLeaderNamed_ButOwnNodeReadsStayHome()
    {
        var client = await OpenAsync(new ReplicationClientOptions { ReadsFromOwnNode = true });
        stub.Override = (node, path, _) => node == "n1" && path != "/kv/get" ? new StubReply(409, """{"error":"not-leader","leader":"n2"}""") : null;

        var refused = await InvokeAsync(client, RegisterOps.Write, Value.Of(1));
        var write = await InvokeAsync(client, RegisterOps.Write, Value.Of(2));
        var read = await InvokeAsync(client, RegisterOps.Read, Value.Nil);

        Assert.Equal((OpType.Fail, Value.Of("not-leader")), (refused.Type, refused.Error));
        Assert.Equal(OpType.Ok, write.Type);
        Assert.Equal("n2", client.Target!.Name);
        Assert.Equal(["n1", "n2"], stub.RequestsTo("/kv/put").Select(r => r.Node));
        Assert.Equal((OpType.Ok, Value.Of(2)), (read.Type, read.Value));
        Assert.Equal("n1", stub.RequestsTo("/kv/get").Single().Node);
    }

    [Theory]
    [InlineData("timeout-504")]
    [InlineData("reset")]
    [InlineData("late")]
    public async Task LostAnswers_MakeWritesInfo_AndReadsFail(string how)
    {
        // The op's deadline covers the add's get and put: generous, so a slow first get on a loaded machine is not the timeout.
        var client = await OpenAsync(new ReplicationClientOptions { Workload = "set", RequestTimeout = TimeSpan.FromSeconds(2) });
        var reply = how switch
        {
            "timeout-504" => new StubReply(504, """{"error":"timeout"}"""),
            "reset" => new StubReply(Reset: true),
            _ => new StubReply(Delay: TimeSpan.FromSeconds(6)),
        };
        // Puts lose their answer; the add's get and the read's gets are answered, except for the read below.
        stub.Override = (_, path, _) => path == "/kv/put" ? reply : null;

        var add = await InvokeAsync(client, SetOps.Add, Value.Of(1));
        stub.Override = (_, path, body) => path == "/kv/get" && Text(body, "key") == "set/2" ? reply : null;
        var read = await InvokeAsync(client, SetOps.Read, Value.Nil);

        Assert.Equal(OpType.Info, add.Type);
        Assert.Equal(OpType.Fail, read.Type);
        if (how != "reset") Assert.Equal(Value.Of("timeout"), read.Error);
        Assert.Single(stub.RequestsTo("/kv/put"));   // never resent
    }

    [Fact]
    public async Task RefusedConnection_FailsTheOp_AndTheNextOpGoesToTheNextNode()
    {
        var client = await OpenAsync(new ReplicationClientOptions { Workload = "counter" }, node: 3);   // n4: nothing listens

        var refused = await InvokeAsync(client, CounterOps.Add, Value.Of(1));
        var next = await InvokeAsync(client, CounterOps.Add, Value.Of(1));

        Assert.Equal((OpType.Fail, Value.Of("connection-refused")), (refused.Type, refused.Error));
        Assert.Equal(OpType.Ok, next.Type);
        Assert.Equal("n1", client.Target!.Name);
        Assert.Equal(["1"], stub.ValuesOf("counter"));
    }
}
