using System.Text.Json;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Replication;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Tests.Replication;

/// <summary>The pure parts of the replication client: stored value shapes, sibling merges and what each answer means.</summary>
public sealed class ReplicationShapeTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void SetValues_AreSortedJsonArrays_AndSiblingsMergeByUnion()
    {
        Assert.Equal("[1,5,9]", ReplicationValues.SetText([9, 1, 5, 5]));
        Assert.Equal("[]", ReplicationValues.SetText([]));
        Assert.Equal([1L, 5, 9], ReplicationValues.SetElements("[1,5,9]"));
        Assert.Equal([1L, 2, 5, 9], ReplicationValues.Union(["[1,5]", "[2,5,9]", "[]"]));
        Assert.Empty(ReplicationValues.Union([]));
        Assert.Throws<FormatException>(() => ReplicationValues.SetElements("7"));
        Assert.Throws<FormatException>(() => ReplicationValues.SetElements("[\"a\"]"));
    }

    [Fact]
    public void CounterValue_IsZeroWhenAbsent_AndTheGreatestSibling()
    {
        Assert.Equal(0, ReplicationValues.CounterValue([]));
        Assert.Equal(12, ReplicationValues.CounterValue(["12"]));
        Assert.Equal(12, ReplicationValues.CounterValue(["7", "12", "-3"]));
        Assert.Equal("41", ReplicationValues.CounterText(41));
        Assert.Throws<FormatException>(() => ReplicationValues.CounterValue(["x"]));
    }

    [Theory]
    [InlineData(200, """{"ok":true}""", "Yes", null, null)]
    [InlineData(409, """{"error":"not-leader","leader":"n2"}""", "No", "not-leader", "n2")]
    [InlineData(409, """{"error":"conflict"}""", "No", "conflict", null)]
    [InlineData(503, """{"error":"unavailable","reason":"2 of 3 replicas unreachable"}""", "No", "unavailable: 2 of 3 replicas unreachable", null)]
    [InlineData(400, """{"error":"key is required"}""", "No", "key is required", null)]
    [InlineData(404, "null", "No", "http 404", null)]
    [InlineData(504, """{"error":"timeout"}""", "Unknown", "timeout", null)]
    [InlineData(500, """{"error":"boom"}""", "Unknown", "boom", null)]
    public void Classify_FollowsTheContract(int status, string body, string done, string? error, string? leader)
    {
        var answer = ReplicationAnswer.Classify(status, Json(body));

        Assert.Equal((Enum.Parse<Done>(done), error, leader), (answer.Done, answer.Error, answer.Leader));
    }

    [Fact]
    public void Read_TakesValuesAndContext_AndRejectsOtherShapes()
    {
        Assert.Equal(["a", "b"], Shapes.Read(Json("""{"values":["a","b"],"context":"c1"}"""))!.Values);
        Assert.Equal("c1", Shapes.Read(Json("""{"values":[],"context":"c1"}"""))!.Context);
        Assert.Null(Shapes.Read(Json("""{"values":[],"context":null}"""))!.Context);
        Assert.Null(Shapes.Read(Json("""{"values":[1]}""")));
        Assert.Null(Shapes.Read(Json("""{"value":"a"}""")));
    }

    [Theory]
    [InlineData("Yes", """{"ok":true}""", OpType.Ok)]
    [InlineData("Yes", """{"ok":false}""", OpType.Fail)]
    [InlineData("No", "null", OpType.Fail)]
    [InlineData("Unknown", "null", OpType.Info)]
    public void Written_OkFailOrInfo(string done, string body, OpType expected)
    {
        var cas = new Op(0, 0, OpType.Invoke, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Of(1), Value.Of(2)));

        var completion = Shapes.Written(cas, new ReplicationAnswer(Enum.Parse<Done>(done), Json(body), "e"));

        Assert.Equal(expected, completion.Type);
        Assert.Equal(cas.Value, completion.Value);
    }

    [Theory]
    [InlineData("No")]
    [InlineData("Unknown")]
    public void Failed_IsFailWhateverTheAnswer_ForNothingWasWritten(string done)
    {
        var read = new Op(0, 0, OpType.Invoke, 0, RegisterOps.Read, Value.Nil);

        var completion = Shapes.Failed(read, new ReplicationAnswer(Enum.Parse<Done>(done), default, "timeout"));

        Assert.Equal((OpType.Fail, Value.Of("timeout")), (completion.Type, completion.Error));
    }
}
