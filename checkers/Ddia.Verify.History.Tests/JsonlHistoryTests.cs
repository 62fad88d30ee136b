using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CsCheck;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.History.Tests;

/// <summary>
/// Our native JSON Lines (DESIGN.md §2): what is written reads back equal; errors name file, line and
/// field; blank lines are skipped without renumbering; a truncated last line (a crashed run) is
/// reported and skipped, any other bad line is fatal.
/// </summary>
public class JsonlHistoryTests
{
    private const string Source = "h.jsonl";

    private static HistoryFile Parse(string text) => JsonlHistory.ReadLines(new MemoryStream(Encoding.UTF8.GetBytes(text)), Source);

    private static HistoryFile Parse(byte[] utf8) => JsonlHistory.ReadLines(new MemoryStream(utf8), Source);

    private static HistoryFormatException Fails(string text) => Assert.Throws<HistoryFormatException>(() => Parse(text));

    private static string L(int index, int process, string type, string f, string value) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"index\":{index},\"time\":{index * 1000},\"process\":{process},\"type\":\"{type}\",\"f\":\"{f}\",\"value\":{value}}}");

    private static readonly string[] FourLines =
    [
        L(0, 0, "invoke", "write", "1"),
        L(1, 0, "ok", "write", "1"),
        L(2, 1, "invoke", "read", "null"),
        L(3, 1, "ok", "read", "1"),
    ];

    private static readonly Op[] FourOps =
    [
        new(0, 0, OpType.Invoke, 0, "write", Value.Of(1)),
        new(1, 1000, OpType.Ok, 0, "write", Value.Of(1)),
        new(2, 2000, OpType.Invoke, 1, "read", Value.Nil),
        new(3, 3000, OpType.Ok, 1, "read", Value.Of(1)),
    ];

    private static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));

    // ------------------------------------------------------------------ reading

    [Fact]
    public void Read_DesignExample_ReadsEveryField()
    {
        var h = Parse(
            "{\"index\":0,\"time\":1523000,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k1\",\"value\":3}\n"
            + "{\"index\":1,\"time\":2034000,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k1\",\"value\":3}\n"
            + "{\"index\":2,\"time\":2100000,\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"partition-start\",\"value\":{\"n1\":[\"n2\",\"n3\"]}}\n"
            + "{\"index\":3,\"time\":2200000,\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1],[\"r\",\"y\",null]]}\n"
            + "{\"index\":4,\"time\":2900000,\"process\":1,\"type\":\"fail\",\"f\":\"txn\",\"value\":null,\"error\":\"timeout\"}\n");
        Assert.Equal(HistoryFormat.Jsonl, h.Format);
        Assert.Same(SourceConventions.Native, h.Conventions);
        Assert.Equal(Source, h.Path);
        Assert.Empty(h.Warnings);
        Assert.Equal([1, 2, 3, 4, 5], h.Lines);
        Assert.Equal(new Op(0, 1523000, OpType.Invoke, 0, "write", Value.Of(3), Value.Of("k1")), h.History[0]);
        Assert.Equal(Op.NemesisProcess, h.History[2].Process);
        Assert.Equal(
            Value.Map([new(Value.Of("n1"), Value.List(Value.Of("n2"), Value.Of("n3")))]),
            h.History[2].Value);
        Assert.Equal(Value.List(Value.List(Value.Of("append"), Value.Of("x"), Value.Of(1)), Value.List(Value.Of("r"), Value.Of("y"), Value.Nil)),
            h.History[3].Value);
        Assert.Equal(new Op(4, 2900000, OpType.Fail, 1, "txn", Value.Nil, null, Value.Of("timeout")), h.History[4]);
        Assert.Equal(4, h.History.CompletionOf(3));
    }

    [Fact]
    public void Read_OptionalFields_TakeTheirDefaults()
    {
        // index defaults to the position, time to -1, value to nil; process null means "no process".
        var h = Parse("{\"process\":null,\"type\":\"info\",\"f\":\"note\"}\n{\"type\":\"invoke\",\"f\":\"read\",\"process\":3,\"extra\":{\"x\":[1]}}\n");
        Assert.Equal(new Op(0, -1, OpType.Info, Op.NoProcess, "note", Value.Nil), h.History[0]);
        Assert.Equal(new Op(1, -1, OpType.Invoke, 3, "read", Value.Nil), h.History[1]);
    }

    [Fact]
    public void Read_BlankLines_AreSkippedButKeepTheirLineNumbers()
    {
        var text = "\n" + FourLines[0] + "\n\n   \n\t\r\n" + FourLines[1] + "\r\n\n" + FourLines[2] + "\n" + FourLines[3] + "\n\n";
        var h = Parse(text);
        Assert.Equal(FourOps, h.History);
        Assert.Equal([2, 6, 8, 9], h.Lines);
        Assert.Equal($"{Source}:6", h.Where(1));
        Assert.Empty(h.Warnings);

        var e = Fails("\n\n" + FourLines[0] + "\n\n" + L(1, 0, "done", "write", "1") + "\n");
        Assert.Equal(5, e.Line);
        Assert.Equal("type", e.Field);
    }

    [Fact]
    public void Read_CompleteLastLineWithoutNewline_IsReadNormally()
    {
        var h = Parse(string.Join("\n", FourLines));
        Assert.Equal(FourOps, h.History);
        Assert.Equal([1, 2, 3, 4], h.Lines);
        Assert.Empty(h.Warnings);
    }

    [Fact]
    public void Read_EmptyInput_IsAnEmptyHistory()
    {
        Assert.Empty(Parse("").History);
        Assert.Empty(Parse("\n \n").History);
        Assert.Empty(Parse("\n \n").Warnings);
    }

    // ------------------------------------------------------------------ errors name file, line and field

    [Theory]
    [InlineData("{\"index\":\"x\",\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}", "index", "expected an integer, got \"x\"")]
    [InlineData("{\"index\":1.5,\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}", "index", "expected an integer, got 1.5")]
    [InlineData("{\"index\":99999999999999999999,\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}", "index", "expected an integer")]
    [InlineData("{\"time\":\"soon\",\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}", "time", "expected an integer, got \"soon\"")]
    [InlineData("{\"process\":0,\"type\":\"start\",\"f\":\"read\"}", "type", "got \"start\"")]
    [InlineData("{\"process\":0,\"type\":\"Invoke\",\"f\":\"read\"}", "type", "got \"Invoke\"")]
    [InlineData("{\"process\":0,\"type\":1,\"f\":\"read\"}", "type", "got 1")]
    [InlineData("{\"process\":0,\"f\":\"read\"}", "type", "missing")]
    [InlineData("{\"process\":0,\"type\":\"invoke\"}", "f", "missing")]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":7}", "f", "expected a string, got 7")]
    [InlineData("{\"process\":-1,\"type\":\"invoke\",\"f\":\"read\"}", "process", "got -1")]
    [InlineData("{\"process\":-7,\"type\":\"invoke\",\"f\":\"read\"}", "process", "got -7")]
    [InlineData("{\"process\":\"client\",\"type\":\"invoke\",\"f\":\"read\"}", "process", "got \"client\"")]
    [InlineData("{\"process\":1.5,\"type\":\"invoke\",\"f\":\"read\"}", "process", "got 1.5")]
    [InlineData("{\"type\":\"invoke\",\"f\":\"read\"}", "process", "missing")]
    public void Read_BadField_NamesFileLineAndField(string line2, string field, string problem)
    {
        var e = Fails(FourLines[0] + "\n" + line2 + "\n" + FourLines[2] + "\n" + FourLines[3] + "\n");
        Assert.Equal(Source, e.File);
        Assert.Equal(2, e.Line);
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"{Source}:2: field '{field}': ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[1,}", "value")]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":{\"a\" 1}}", "value")]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":tru}", "value")]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":[1 2],\"value\":1}", "key")]
    public void Read_MalformedJsonInAField_NamesFileLineAndField(string line2, string field)
    {
        // DESIGN.md §2: "Errors name the file, the line and the field." The reader knows which field it
        // was reading when the JSON broke.
        var e = Fails(FourLines[0] + "\n" + line2 + "\n" + FourLines[2] + "\n");
        Assert.Equal(2, e.Line);
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"{Source}:2: field '{field}': ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1,2,3]", "expected a JSON object")]
    [InlineData("\"op\"", "expected a JSON object")]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"} {\"process\":0}", "JSON")]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"", "")]
    [InlineData("{\"process\":0,\"ty", "invalid JSON")]
    [InlineData("not json", "invalid JSON")]
    public void Read_BrokenLineFollowedByANewline_IsFatal(string line2, string problem)
    {
        // A line the writer finished (it has its newline) but that does not parse is not a crash: it is fatal.
        var e = Fails(FourLines[0] + "\n" + line2 + "\n" + FourLines[2] + "\n");
        Assert.Equal(2, e.Line);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{Source}:2: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BrokenLineBeforeTheLast_IsFatalEvenWhenTheLastLineIsTruncated()
    {
        var e = Fails(FourLines[0] + "\n" + "{\"index\":1,\"ti" + "\n" + FourLines[2] + "\n" + "{\"index\":3");
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Read_CompleteButInvalidLastLine_IsFatalNotTruncated()
    {
        // Without a newline but whole: the writer finished it, so a bad field is an error, not a crash.
        var e = Fails(Lines(FourLines[..3]) + L(3, 1, "okay", "read", "1"));
        Assert.Equal(4, e.Line);
        Assert.Equal("type", e.Field);
    }

    // ------------------------------------------------------------------ a truncated last line (a crashed run)

    private const string RichLastLine =
        "{\"index\":4,\"time\":4000,\"process\":2,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"ключ\","
        + "\"value\":{\"a\":[1,-2.5e3,\"😀\",true,null],\"b\":\"x\\\"y\\n\"},\"error\":null}";

    [Fact]
    public void Read_TruncatedLastLine_WarnsAndKeepsTheOpsBeforeIt()
    {
        var h = Parse(Lines(FourLines) + "{\"index\":4,\"time\":4000,\"process\":2,\"type\":\"inv");
        Assert.Equal(FourOps, h.History);
        Assert.Equal([1, 2, 3, 4], h.Lines);
        var warning = Assert.Single(h.Warnings);
        Assert.StartsWith($"{Source}:5: ", warning, StringComparison.Ordinal);
        Assert.Contains("truncated", warning, StringComparison.Ordinal);
        Assert.Contains("4 ops", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedLastLine_AtEveryByte_WarnsAndKeepsTheOpsBeforeIt()
    {
        var whole = Encoding.UTF8.GetBytes(Lines(FourLines) + "\n\n");   // blank lines before it keep the numbering
        var last = Encoding.UTF8.GetBytes(RichLastLine);
        byte[] uncut = [.. whole, .. last];
        Assert.Equal(5, Parse(uncut).History.Count);   // uncut, it reads (the fixture is valid)
        for (var cut = 1; cut < last.Length; cut++)
        {
            byte[] bytes = [.. whole, .. last.AsSpan(0, cut)];
            HistoryFile h;
            try
            {
                h = Parse(bytes);
            }
            catch (HistoryFormatException e)
            {
                Assert.Fail($"cut after byte {cut} ('{Encoding.UTF8.GetString(last, 0, cut)}'): {e.Message}");
                throw;
            }
            Assert.Equal(FourOps, h.History);
            var warning = Assert.Single(h.Warnings);
            Assert.StartsWith($"{Source}:7: ", warning, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_OnlyLineTruncated_IsAnEmptyHistoryWithAWarning()
    {
        using var file = new TempFile("{\"index\":0,\"time\":12,\"proc", ".jsonl");
        var h = HistoryReader.Read(file.Path);
        Assert.Equal(HistoryFormat.Jsonl, h.Format);
        Assert.Empty(h.History);
        Assert.StartsWith($"{file.Path}:1: ", Assert.Single(h.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WhenTheFileStartsWithAUtf8Bom_ReadsItLikeTheOtherFormats()
    {
        // Detection skips a byte-order mark (HistoryReader), and the EDN and JSON-array readers accept one;
        // a JSON Lines file saved by an editor that adds it should read too.
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Lines(FourLines))];
        var path = Path.Combine(Path.GetTempPath(), $"ddia-history-{Guid.NewGuid():N}.jsonl");
        File.WriteAllBytes(path, bytes);
        try
        {
            Assert.Equal(HistoryFormat.Jsonl, HistoryReader.DetectFormat(path));
            var h = HistoryReader.Read(path);
            Assert.Equal(FourOps, h.History);
            Assert.Equal([1, 2, 3, 4], h.Lines);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ------------------------------------------------------------------ round trip (property)

    /// <summary>Text JSON can carry: any Unicode scalar values (control characters, quotes, newlines, astral).</summary>
    private static readonly Gen<string> Text =
        Gen.Frequency(
                (6, Gen.Char[(char)0x20, (char)0x7F].Select(c => c.ToString())),
                (2, Gen.Char[(char)0x00, (char)0x1F].Select(c => c.ToString())),
                (1, Gen.Const("\"")),
                (1, Gen.Const("\\")),
                (2, Gen.Char[(char)0x80, (char)0xD7FF].Select(c => c.ToString())),
                (1, Gen.Char[(char)0xE000, (char)0xFFFD].Select(c => c.ToString())),
                (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
            .Array[0, 10]
            .Select(parts => string.Concat(parts));

    private static readonly Gen<Value> Scalar = Gen.OneOf(
        Gen.Const(Value.Nil),
        Gen.Bool.Select(Value.Of),
        Gen.Long.Select(Value.Of),
        Gen.Int[-20, 1100].Select(i => Value.Of(i)),
        Gen.Double.Where(double.IsFinite).Select(Value.Of),
        Gen.Int[-1000, 1000].Select(i => Value.Of(i / 4.0)),
        Text.Select(Value.Of));

    /// <summary>Values JSON can carry: no keywords or sets (JSON has neither), map keys are strings.</summary>
    internal static readonly Gen<Value> JsonValues = Gen.Recursive<Value>((depth, self) =>
        depth >= 4
            ? Scalar
            : Gen.Frequency(
                (6, Scalar),
                (2, self.Array[0, 5].Select(items => Value.List(items))),
                (2, Gen.Select(Text.Array[0, 4], self.Array[4]).Select((keys, values) =>
                    Value.Map([.. keys.Distinct(StringComparer.Ordinal).Select((k, i) => new KeyValuePair<Value, Value>(Value.Of(k), values[i]))])))));

    private static readonly Gen<int> Process = Gen.Frequency(
        (6, Gen.Int[0, int.MaxValue]),
        (1, Gen.Const(Op.NemesisProcess)),
        (1, Gen.Const(Op.NoProcess)));

    private static readonly Gen<Value?> Optional =
        Gen.Frequency((2, Gen.Const((Value?)null)), (1, JsonValues.Select(v => (Value?)v)));

    internal static readonly Gen<Op> Ops = Gen.Select(
        Gen.Long, Gen.Long, Gen.Enum<OpType>(), Process, Text, JsonValues, Optional, Optional,
        (index, time, type, process, f, value, key, error) => new Op(index, time, type, process, f, value, key, error));

    private static byte[] Written(IEnumerable<Op> ops)
    {
        var stream = new MemoryStream();
        JsonlHistory.Write(stream, ops);
        return stream.ToArray();   // the writer disposed the stream; ToArray still works
    }

    [Fact]
    public void Write_ThenRead_GivesTheSameOps() =>
        Ops.Array[0, 20].Sample(ops =>
        {
            var h = Parse(Written(ops));
            Assert.Equal(ops, h.History);
            Assert.Equal(Enumerable.Range(1, ops.Length), h.Lines);   // one op, one line: nothing written spans lines
            Assert.Empty(h.Warnings);
        }, iter: 500);

    [Fact]
    public void WriteOp_ThenRead_GivesTheSameValue() =>
        JsonValues.Sample(v =>
        {
            var op = new Op(0, 0, OpType.Ok, 0, "read", v, v, v);
            Assert.Equal([op], Parse(Written([op])).History);
        }, iter: 2000);

    [Fact]
    public void Write_KeepsKeysErrorsAndSpecialProcesses()
    {
        Op[] ops =
        [
            new(0, 5, OpType.Invoke, 0, "cas", Value.List(Value.Of(1), Value.Of(2)), Value.Of("k"), null),
            new(1, 6, OpType.Fail, 0, "cas", Value.List(Value.Of(1), Value.Of(2)), Value.Of("k"), Value.Of("precondition")),
            new(2, 7, OpType.Info, Op.NemesisProcess, "partition-start", Value.Map([new(Value.Of("n1"), Value.List(Value.Of("n2")))])),
            new(3, -1, OpType.Info, Op.NoProcess, "note", Value.Of("free text")),
            new(4, long.MaxValue, OpType.Invoke, int.MaxValue, "write", Value.Of(long.MinValue), Value.Of(7), Value.Nil),
        ];
        var text = Encoding.UTF8.GetString(Written(ops));
        Assert.Contains("\"process\":\"nemesis\"", text, StringComparison.Ordinal);
        Assert.Contains("\"process\":null", text, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"precondition\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"key\"", text.Split('\n')[2], StringComparison.Ordinal);   // no key, no field
        Assert.Equal(ops, Parse(text).History);
    }

    [Fact]
    public void WriteToAFile_ThenReadThePath_GivesTheSameOpsAndLines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ddia-history-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var writer = JsonlHistoryWriter.Create(path))
            {
                foreach (var op in FourOps) writer.Append(op);
            }
            var h = JsonlHistory.Read(path);
            Assert.Equal(FourOps, h.History);
            Assert.Equal(path, h.Path);
            Assert.Equal($"{path}:3", h.Where(2));
            Assert.Equal(FourOps, HistoryReader.Read(path).History);
            Assert.Equal(Lines(FourLines), File.ReadAllText(path));   // the writer's text is the documented one
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_LinesLongerThanTheBuffer_AndManyBuffersOfLines()
    {
        var big = new string('x', 200_000) + "é" + new string('y', 70_000);
        var ops = new List<Op> { new(0, 0, OpType.Invoke, 0, "write", Value.Of(big)) };
        for (var i = 1; i < 5_000; i++)
            ops.Add(new Op(i, i, i % 2 == 1 ? OpType.Ok : OpType.Invoke, 0, "write", Value.List(Enumerable.Range(0, i % 7).Select(n => Value.Of(n)).ToArray())));
        var bytes = Written(ops);
        Assert.True(bytes.Length > 4 << 16);
        var h = Parse(bytes);
        Assert.Equal(ops, h.History);
        Assert.Equal(5_000, h.Lines[^1]);

        // And cut inside the long line: a truncated run whose only op is huge.
        var cut = Parse(bytes.AsSpan(0, 150_000).ToArray());
        Assert.Empty(cut.History);
        Assert.Single(cut.Warnings);
    }

    [Fact]
    public void Write_ValuesJsonCannotTell_BecomeTheirJsonCounterparts()
    {
        // Keywords are written as strings and sets as arrays: JSON has neither. Jepsen reads EDN, and EDN
        // export keeps them (EdnHistoryWriter).
        var op = new Op(0, 0, OpType.Ok, 0, "read", Value.Set(ImmutableArray.Create(Value.Keyword("a"))), Value.Keyword("k"));
        var back = Parse(Written([op])).History[0];
        Assert.Equal(Value.List(Value.Of("a")), back.Value);
        Assert.Equal(Value.Of("k"), back.Key);
    }
}
