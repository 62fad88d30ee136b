using System.Globalization;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.History.Tests;

public class JsonArrayHistoryTests
{
    private static HistoryFile Parse(string text) => JsonArrayHistory.Parse(text, "x.json");

    private static HistoryFormatException Fails(string text) =>
        Assert.Throws<HistoryFormatException>(() => JsonArrayHistory.Parse(text, "x.json"));

    public static TheoryData<string> ElleJsonFiles => Corpora.Files("elle", f => f.EndsWith(".json", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(ElleJsonFiles))]
    public void ElleJsonHistoriesMatchTheManifest(string file)
    {
        var row = Corpora.Row("elle", file);
        var h = JsonArrayHistory.Read(Corpora.PathOf("elle", file));
        Assert.Equal(HistoryFormat.JsonArray, h.Format);
        Assert.Same(SourceConventions.Native, h.Conventions);
        Assert.Empty(h.Warnings);
        Assert.Empty(h.History.Problems);
        Assert.Equal(int.Parse(row["ops"], CultureInfo.InvariantCulture), h.History.Count(o => o.IsInvoke));
        Assert.All(h.History, o => Assert.Equal(ValueKind.List, o.Value.Kind));
        Assert.Equal(h.History.Count, h.Lines.Length);
    }

    [Fact]
    public void JsonAndEdnCopiesOfAHistoryAgree()
    {
        // The same txns; the JSON has strings where the EDN has keywords, and no :f.
        var json = JsonArrayHistory.Read(Corpora.PathOf("elle", "elle-cli/histories/elle/paper-example.json"));
        var edn = EdnHistory.Read(Corpora.PathOf("elle", "elle-cli/histories/elle/paper-example.edn"));
        Assert.Equal(Enumerable.Range(1, 8), json.Lines);
        Assert.Equal(edn.History.Select(o => (o.Index, o.Type, o.Process, o.Value.Items.Length)),
            json.History.Select(o => (o.Index, o.Type, o.Process, o.Value.Items.Length)));
        Assert.Equal(Value.List(Value.Of("r"), Value.Of(253), Value.List(Value.Of(1), Value.Of(3), Value.Of(4))),
            json.History[3].Value.Items[1]);
    }

    [Fact]
    public void OpFields()
    {
        var h = Parse("""
            [{"index":5,"time":100,"type":"invoke","process":0,"f":"write","key":"k","value":3,"extra":{"a":[1]}},
             {"type":"info","process":"nemesis","f":"partition-start","value":{"n1":["n2","n3"]},"error":"boom"},
             {"type":"ok","process":null,"f":null,"value":[1.5,true,false,null,"s"],"error":null,"key":null}]
            """).History;
        Assert.Equal(new Op(5, 100, OpType.Invoke, 0, "write", Value.Of(3), Value.Of("k")), h[0]);
        Assert.Equal(new Op(1, -1, OpType.Info, Op.NemesisProcess, "partition-start",
            Value.Map([new(Value.Of("n1"), Value.List(Value.Of("n2"), Value.Of("n3")))]), null, Value.Of("boom")), h[1]);
        Assert.Equal(new Op(2, -1, OpType.Ok, Op.NoProcess, "",
            Value.List(Value.Of(1.5), Value.True, Value.False, Value.Nil, Value.Of("s"))), h[2]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("[]")]
    [InlineData("[\n]\n")]
    public void EmptyInput(string text) => Assert.Empty(Parse(text).History);

    [Fact]
    public void BadTypeNamesLineAndField()
    {
        var e = Fails("[{\"type\":\"invoke\",\"process\":0},\n{\"type\":\"invoke\",\"process\":1},\n {\"process\":0, \"type\":\"okk\"}]");
        Assert.Equal("x.json:3: field 'type': expected \"invoke\", \"ok\", \"fail\" or \"info\", got \"okk\"", e.Message);
    }

    [Theory]
    [InlineData("[{\"process\":0}]", 1, "type", "missing")]
    [InlineData("[{\"type\":\"ok\"},\n{\"type\":\"ok\",\"process\":-1}]", 2, "process", "got -1")]
    [InlineData("[{\"type\":\"ok\",\"process\":\"p\"}]", 1, "process", "got \"p\"")]
    [InlineData("[{\"type\":\"ok\",\"time\":1.5}]", 1, "time", "expected an integer, got 1.5")]
    [InlineData("[{\"type\":\"ok\",\n\"index\":\"3\"}]", 2, "index", "expected an integer")]
    [InlineData("[{\"type\":\"ok\",\"f\":3}]", 1, "f", "expected a string, got 3")]
    public void FieldErrors(string text, int line, string field, string problem)
    {
        var e = Fails(text);
        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\":\"ok\"}", 1, "expected a JSON array of op objects, got an object")]
    [InlineData("[{\"type\":\"ok\"},\n 3]", 2, "expected an op object, got 3")]
    [InlineData("[{\"type\":\"ok\"}]\n[]", 2, "invalid JSON")]
    [InlineData("[{\"type\":\"ok\"},\n{\"type\" \"ok\"}]", 2, "invalid JSON")]
    [InlineData("\n\n[{\"type\":\"ok\", \"value\": [1 2]}]", 3, "invalid JSON")]
    public void SyntaxErrors(string text, int line, string problem)
    {
        var e = Fails(text);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"type\":\"invoke\",\"process\":0},\n{\"type\":\"ok\",\"process\":0},\n{\"type\":\"invoke\",\"pro", 3)]
    [InlineData("[{\"type\":\"invoke\",\"process\":0},\n{\"type\":\"ok\",\"process\":0},\n{\"type\":\"invoke\",\"value\":[1,2", 3)]
    [InlineData("[{\"type\":\"invoke\",\"process\":0},\n{\"type\":\"ok\",\"process\":0},\n{\"type\":\"invoke\",\"time\":12", 3)]
    public void ACutOffLastOpIsAWarning(string text, int line)
    {
        var h = Parse(text);
        Assert.Equal(2, h.History.Count);
        Assert.StartsWith($"x.json:{line}: the last op is cut off", Assert.Single(h.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnclosedArrayIsAWarning()
    {
        var h = Parse("[{\"type\":\"invoke\",\"process\":0},\n{\"type\":\"ok\",\"process\":0},\n");
        Assert.Equal(2, h.History.Count);
        Assert.StartsWith("x.json:1: the array of ops opened here is never closed", Assert.Single(h.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile()
    {
        var e = Assert.Throws<HistoryFormatException>(() => JsonArrayHistory.Read("/nonexistent/h.json"));
        Assert.Equal(0, e.Line);
        Assert.Equal("no such file", e.Problem);
    }
}
