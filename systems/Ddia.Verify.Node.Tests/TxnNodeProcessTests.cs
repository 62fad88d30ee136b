using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>
/// <c>ddia-node --system txn</c> as a real process: transactions one request at a time and whole, each
/// isolation level's answer to DDIA's write skew over HTTP, and committed transactions surviving kill -9.
/// </summary>
[Trait("Category", "Process")]
public sealed class TxnNodeProcessTests
{
    private static async Task<long> Begin(NodeCluster node) =>
        (await node.Applied(1, "/txn/begin", new { })).GetProperty("txn").GetInt64();

    [Fact]
    public async Task WholeAndInteractiveTransactions_ReadTheirWrites_AndSnapshotIsolationAbortsTheSecondWriter()
    {
        using var node = new NodeCluster(1, new NodeClusterOptions { System = "txn", Isolation = "snapshot" });
        await node.WaitUp();
        var whole = await node.Applied(1, "/txn", new { ops = new object?[] { new object?[] { "append", 1, 5 }, new object?[] { "r", 1, null }, new object?[] { "w", "x", 7 } } });
        Assert.True(whole.GetProperty("committed").GetBoolean());
        Assert.Equal("[null,[5],null]", whole.GetProperty("results").GetRawText());

        var t1 = await Begin(node);
        var t2 = await Begin(node);
        Assert.Equal("[5]", (await node.Applied(1, $"/txn/{t1}/read", new { key = 1 })).GetProperty("value").GetRawText());
        await node.Applied(1, $"/txn/{t1}/append", new { key = 1, element = 6 });
        await node.Applied(1, $"/txn/{t2}/append", new { key = 1, element = 9 });
        await node.Applied(1, $"/txn/{t2}/commit", new { });
        var (code, answer) = await node.Post(1, $"/txn/{t1}/commit", new { });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("write-conflict", answer.GetProperty("reason").GetString());
        var (again, gone) = await node.Post(1, $"/txn/{t1}/read", new { key = 1 });
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("unknown-transaction", gone.GetProperty("reason").GetString());

        var read = await node.Applied(1, "/txn", new { ops = new object?[] { new object?[] { "r", "1", null }, new object?[] { "r", "x", null } } });
        Assert.Equal("[[5,9],[7]]", read.GetProperty("results").GetRawText());
    }

    [Theory]
    [InlineData("snapshot", true)]
    [InlineData("serializable", false)]
    [InlineData("read-committed", true)]
    public async Task TwoDoctors_GoOffCallTogether_OnlyWhereTheLevelAllowsWriteSkew(string isolation, bool bothCommit)
    {
        using var node = new NodeCluster(1, new NodeClusterOptions { System = "txn", Isolation = isolation });
        await node.WaitUp();
        await node.Applied(1, "/txn", new { ops = new object?[] { new object?[] { "w", "alice", 1 }, new object?[] { "w", "bob", 1 } } });

        // Each doctor's transaction sees both on call, then takes itself off (DDIA fig. 7-8).
        var a = await Begin(node);
        var b = await Begin(node);
        foreach (var t in new[] { a, b })
        {
            await node.Applied(1, $"/txn/{t}/read", new { key = "alice" });
            await node.Applied(1, $"/txn/{t}/read", new { key = "bob" });
        }
        // SSI may abort at the write (it sees the rw-antidependency then) or at commit; either way nothing of it lands.
        var answers = new List<(HttpStatusCode Code, JsonElement Body)>();
        foreach (var (t, doctor) in new[] { (a, "alice"), (b, "bob") })
        {
            var write = await node.Post(1, $"/txn/{t}/write", new { key = doctor, value = 0 });
            answers.Add(write.Code == HttpStatusCode.OK ? await node.Post(1, $"/txn/{t}/commit", new { }) : write);
        }

        Assert.Equal(bothCommit ? 2 : 1, answers.Count(r => r.Code == HttpStatusCode.OK));
        if (!bothCommit)
            Assert.Contains(answers, r => r.Code == HttpStatusCode.Conflict && r.Body.GetProperty("reason").GetString() == "serialization-failure");
        var onCall = await node.Applied(1, "/txn", new { ops = new object?[] { new object?[] { "r", "alice", null }, new object?[] { "r", "bob", null } } });
        Assert.Equal(bothCommit ? "[[0],[0]]" : "[[0],[1]]", onCall.GetProperty("results").GetRawText());
    }

    [Fact]
    public async Task KillMinus9_CommittedTransactionsSurvive_OpenOnesDoNot()
    {
        using var node = new NodeCluster(1, new NodeClusterOptions { System = "txn", Isolation = "serializable" });
        await node.WaitUp();
        for (var i = 1; i <= 20; i++)
            await node.Applied(1, "/txn", new { ops = new object?[] { new object?[] { "append", "log", i } } });
        var open = await Begin(node);
        await node.Applied(1, $"/txn/{open}/append", new { key = "log", element = 99 });

        node.Kill(1);
        node.Start(1);
        await node.WaitUp();

        var status = (await node.Status(1))!.Value;
        Assert.Equal(20, status.GetProperty("recovered").GetProperty("recordsReplayed").GetInt32());
        var read = await node.Applied(1, "/txn", new { ops = new object?[] { new object?[] { "r", "log", null } } });
        Assert.Equal(JsonSerializer.Serialize(Enumerable.Range(1, 20)), read.GetProperty("results")[0].GetRawText());
        var (code, _) = await node.Post(1, $"/txn/{open}/commit", new { });
        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task MalformedSteps_Are400NamingWhatIsWrong()
    {
        using var node = new NodeCluster(1, new NodeClusterOptions { System = "txn" });
        await node.WaitUp();
        var t = await Begin(node);
        var (code, body) = await node.PostRaw(1, $"/txn/{t}/append", """{"key":"k","element":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("element", body, StringComparison.Ordinal);
        (code, body) = await node.PostRaw(1, "/txn", """{"ops":[["frob","k",1]]}""");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("ops", body, StringComparison.Ordinal);
    }
}
