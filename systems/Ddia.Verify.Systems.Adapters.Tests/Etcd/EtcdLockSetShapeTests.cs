using System.Text.Json;
using Ddia.Verify.Systems.Adapters.Etcd;

namespace Ddia.Verify.Systems.Adapters.Tests.Etcd;

/// <summary>The lock API's gateway bodies and the set's stored text, without etcd.</summary>
public sealed class EtcdLockSetShapeTests
{
    [Fact]
    public void LockRequests_UseBase64Names_AndTheLeaseIdAsTheGatewaySpellsIt()
    {
        Assert.Equal("""{"TTL":2}""", EtcdGateway.LeaseGrant(2).ToJsonString());
        Assert.Equal("""{"name":"bHMvbG9jaw==","lease":"7587883339512356100"}""", EtcdGateway.Lock("ls/lock", "7587883339512356100").ToJsonString());
        Assert.Equal("""{"key":"bHMvbG9jay8x"}""", EtcdGateway.Unlock("bHMvbG9jay8x").ToJsonString());

        var grant = JsonSerializer.Deserialize<JsonElement>("""{"header":{},"ID":"7587883339512356100","TTL":"2"}""");
        Assert.Equal("7587883339512356100", EtcdGateway.LeaseId(grant));
        var locked = JsonSerializer.Deserialize<JsonElement>("""{"header":{},"key":"bHMvbG9jay8x"}""");
        Assert.Equal("bHMvbG9jay8x", EtcdGateway.LockKey(locked));
        Assert.Null(EtcdGateway.LockKey(grant));
    }

    [Fact]
    public void TheSet_IsStoredAsCommaSeparatedIntegers_AndAnAbsentKeyIsEmpty()
    {
        Assert.Equal("3,-1,12", LockSetText.Format([3, -1, 12]));
        Assert.Equal([3L, -1, 12], LockSetText.Parse("3,-1,12"));
        Assert.Empty(LockSetText.Parse(null)!);
        Assert.Empty(LockSetText.Parse("")!);
        Assert.Null(LockSetText.Parse("3,x"));
    }
}
