using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.History.Formats;

/// <summary>
/// elle-cli's JSON: one array of op objects (<c>[{"index":0,"process":1,"type":"invoke","value":[["append",1,2]]}, ...]</c>).
/// Fields as in our JSON Lines (DESIGN.md §2), all optional but <c>type</c>; keywords are strings.
/// An array cut off inside its last op is read up to that op, with a warning.
/// </summary>
public static class JsonArrayHistory
{
    private const string TypeNames = "\"invoke\", \"ok\", \"fail\" or \"info\"";

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 512,
    };

    public static HistoryFile Read(string path) => Read(FormatIo.ReadAllBytes(path), path);

    /// <summary>Reads JSON text (tests, and histories held in memory).</summary>
    public static HistoryFile Parse(string text, string sourceName = "<string>") => Read(Encoding.UTF8.GetBytes(text), sourceName);

    public static HistoryFile Read(ReadOnlySpan<byte> utf8, string sourceName)
    {
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var state = new ReadState(sourceName);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
            return new HistoryFile(sourceName, HistoryFormat.JsonArray, new History([]), [], SourceConventions.Native, state.Warnings);
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            ReadArray(ref reader, utf8, state);
        }
        catch (JsonException e)
        {
            var offset = Offset(utf8, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            var line = (int)(e.LineNumber ?? 0) + 1;
            if (offset < utf8.TrimEnd(" \t\r\n"u8).Length || !state.InArray)
                throw new HistoryFormatException(sourceName, line, null, $"invalid JSON: {FirstSentence(e.Message)}");
            state.Warnings.Add(state.OpLine > 0
                ? $"{sourceName}:{state.OpLine}: the last op is cut off (the file ends inside it); "
                    + $"it was skipped and the {state.Ops.Count} ops before it were read"
                : $"{sourceName}:{state.ArrayLine}: the array of ops opened here is never closed (the file ends first); "
                    + $"its {state.Ops.Count} ops were read");
        }
        return new HistoryFile(sourceName, HistoryFormat.JsonArray, new History(state.Ops.ToArray()), state.Lines.ToArray(),
            SourceConventions.Native, state.Warnings);
    }

    private sealed class ReadState(string source)
    {
        public string Source { get; } = source;
        public List<Op> Ops { get; } = [];
        public List<int> Lines { get; } = [];
        public List<string> Warnings { get; } = [];
        public StringPool Strings { get; } = new();
        public bool InArray { get; set; }
        public int ArrayLine { get; set; }
        public int OpLine { get; set; }   // the line of the op being read; 0 between ops

        // Lines of token offsets, counted forwards as the reader advances.
        private long countedTo;
        private int line = 1;

        public int LineAt(ReadOnlySpan<byte> data, long offset)
        {
            if (offset > countedTo)
            {
                line += data[(int)countedTo..(int)offset].Count((byte)'\n');
                countedTo = offset;
            }
            return line;
        }
    }

    private static void ReadArray(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, ReadState state)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new HistoryFormatException(state.Source, state.LineAt(data, reader.TokenStartIndex), null,
                $"expected a JSON array of op objects, got {JsonValues.Describe(ref reader)}");
        state.InArray = true;
        state.ArrayLine = state.LineAt(data, reader.TokenStartIndex);
        while (true)
        {
            if (!reader.Read()) throw new JsonException("the array is not closed", null, 0, data.Length);
            if (reader.TokenType == JsonTokenType.EndArray) break;
            var line = state.LineAt(data, reader.TokenStartIndex);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new HistoryFormatException(state.Source, line, null, $"expected an op object, got {JsonValues.Describe(ref reader)}");
            state.OpLine = line;
            state.Ops.Add(ReadOp(ref reader, data, state, line));
            state.Lines.Add(line);
            state.OpLine = 0;
        }
        state.InArray = false;
        if (reader.Read())
            throw new HistoryFormatException(state.Source, state.LineAt(data, reader.TokenStartIndex), null,
                "unexpected JSON after the array of ops");
    }

    private static Op ReadOp(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, ReadState state, int opLine)
    {
        long index = state.Ops.Count;
        long time = -1;
        OpType? type = null;
        var process = Op.NoProcess;
        var f = "";
        var value = Value.Nil;
        Value? key = null;
        Value? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || !Op.TryParseType(reader.GetString(), out var t))
                    throw Field(ref reader, data, state, "type", $"expected {TypeNames}, got {JsonValues.Describe(ref reader)}");
                type = t;
            }
            else if (reader.ValueTextEquals("process"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var p) && p >= 0) process = p;
                else if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("nemesis"u8)) process = Op.NemesisProcess;
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw Field(ref reader, data, state, "process",
                        $"expected a non-negative integer or \"nemesis\", got {JsonValues.Describe(ref reader)}");
                }
            }
            else if (reader.ValueTextEquals("f"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) f = reader.GetString()!;
                else if (reader.TokenType != JsonTokenType.Null)
                    throw Field(ref reader, data, state, "f", $"expected a string, got {JsonValues.Describe(ref reader)}");
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null) index = Integer(ref reader, data, "index");
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null) time = Integer(ref reader, data, "time");
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                value = JsonValues.Read(ref reader, state.Strings);
            }
            else if (reader.ValueTextEquals("key"u8))
            {
                reader.Read();
                var k = JsonValues.Read(ref reader, state.Strings);
                key = k.IsNil ? null : k;
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                var e = JsonValues.Read(ref reader, state.Strings);
                error = e.IsNil ? null : e;
            }
            else
            {
                reader.Read();
                reader.Skip();   // other fields are the writer's business
            }
        }
        if (type is null) throw new HistoryFormatException(state.Source, opLine, "type", $"missing: every op needs one of {TypeNames}");
        return new Op(index, time, type.Value, process, f, value, key, error);

        long Integer(ref Utf8JsonReader r, ReadOnlySpan<byte> data, string field) =>
            r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var n)
                ? n
                : throw Field(ref r, data, state, field, $"expected an integer, got {JsonValues.Describe(ref r)}");
    }

    private static HistoryFormatException Field(ref Utf8JsonReader r, ReadOnlySpan<byte> data, ReadState state, string field,
        string message) =>
        new(state.Source, state.LineAt(data, r.TokenStartIndex), field, message);

    /// <summary>The byte offset of a (0-based line, byte in line) position.</summary>
    private static long Offset(ReadOnlySpan<byte> data, long line, long byteInLine)
    {
        var start = 0;
        for (long l = 0; l < line; l++)
        {
            var nl = data[start..].IndexOf((byte)'\n');
            if (nl < 0) return data.Length;
            start += nl + 1;
        }
        return start + byteInLine;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd('.', ' ');
    }
}
