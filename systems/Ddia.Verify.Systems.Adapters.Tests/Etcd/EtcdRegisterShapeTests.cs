using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Tests.Etcd;

/// <summary>Register ops to etcd gateway bodies and back, and what each kind of answer means, without etcd.</summary>
public sealed class EtcdRegisterShapeTests
{
    private static readonly EtcdClientOptions Options = new();

    [Fact]
    public void Requests_UseBase64KeysAndValues_AndCasFromNilComparesVersionZero()
    {
        var (path, body) = EtcdRegisterShape.Request(Invoke(RegisterOps.Write, Value.Of(12), Value.Of(3)), Options);
        Assert.Equal("/v3/kv/put", path);
        Assert.Equal("""{"key":"ci8z","value":"MTI="}""", body.ToJsonString());   // "r/3", "12"

        var (casPath, cas) = EtcdRegisterShape.Request(Invoke(RegisterOps.Cas, RegisterOps.CasValue(Value.Nil, Value.Of(1)), Value.Of(3)), Options);
        Assert.Equal("/v3/kv/txn", casPath);
        Assert.Equal("VERSION", cas["compare"]![0]!["target"]!.GetValue<string>());
        Assert.Equal("0", cas["compare"]![0]!["version"]!.GetValue<string>());

        var (_, read) = EtcdRegisterShape.Request(Invoke(RegisterOps.Read, Value.Nil, null), Options with { SerializableReads = true });
        Assert.Equal("""{"key":"ci8w","serializable":true}""", read.ToJsonString());   // "r/0"
    }

    [Fact]
    public void Completions_ReadValuesBack_AndAFailedCompareIsAFail()
    {
        var read = EtcdRegisterShape.Completion(Invoke(RegisterOps.Read, Value.Nil, Value.Of(1)),
            Done("""{"header":{},"kvs":[{"key":"ci8x","value":"NDI="}],"count":"1"}"""));
        Assert.Equal((OpType.Ok, Value.Of(42)), (read.Type, read.Value));
        var absent = EtcdRegisterShape.Completion(Invoke(RegisterOps.Read, Value.Nil, Value.Of(1)), Done("""{"header":{}}"""));
        Assert.Equal((OpType.Ok, Value.Nil), (absent.Type, absent.Value));

        var cas = Invoke(RegisterOps.Cas, RegisterOps.CasValue(Value.Of(1), Value.Of(2)), Value.Of(1));
        Assert.Equal(OpType.Ok, EtcdRegisterShape.Completion(cas, Done("""{"header":{},"succeeded":true}""")).Type);
        Assert.Equal(OpType.Fail, EtcdRegisterShape.Completion(cas, Done("""{"header":{}}""")).Type);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "etcdserver: request timed out", RegisterOps.Write, OpType.Info)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "etcdserver: request timed out", RegisterOps.Read, OpType.Fail)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "etcdserver: no leader", RegisterOps.Write, OpType.Fail)]
    [InlineData(HttpStatusCode.BadRequest, "etcdserver: key is not provided", RegisterOps.Write, OpType.Fail)]
    [InlineData(HttpStatusCode.InternalServerError, "etcdserver: leader changed", RegisterOps.Write, OpType.Info)]
    public async Task ErrorAnswers_AreFailWhenNothingWasProposed_ElseInfo(HttpStatusCode status, string error, string f, OpType expected)
    {
        var body = $$"""{"error":"{{error}}","code":14,"message":"{{error}}"}""";
        using var http = new HttpClient(new Answering(status, body));
        var answer = await EtcdGateway.PostAsync(http, new Uri("http://127.0.0.1:2379/v3/kv/put"), new JsonObject(), CancellationToken.None);
        var done = EtcdRegisterShape.Completion(Invoke(f, f == RegisterOps.Write ? Value.Of(1) : Value.Nil, Value.Of(1)), answer);
        Assert.Equal((expected, Value.Of(error)), (done.Type, done.Error));
    }

    [Fact]
    public async Task ARefusedConnection_IsAFail()
    {
        // Port 1 on loopback: nothing listens there.
        using var http = new HttpClient();
        var answer = await EtcdGateway.PostAsync(http, new Uri("http://127.0.0.1:1/v3/kv/put"), new JsonObject(), CancellationToken.None);
        var done = EtcdRegisterShape.Completion(Invoke(RegisterOps.Write, Value.Of(1), Value.Of(1)), answer);
        Assert.Equal((OpType.Fail, Value.Of("connection-refused")), (done.Type, done.Error));
    }

    private static Op Invoke(string f, Value value, Value? key) => new(0, 0, OpType.Invoke, 0, f, value, key);

    private static EtcdAnswer Done(string json) => new(EtcdOutcome.Done, JsonSerializer.Deserialize<JsonElement>(json), null);

    private sealed class Answering(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
