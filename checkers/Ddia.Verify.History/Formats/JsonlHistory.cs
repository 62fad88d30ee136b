using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.History.Formats;

/// <summary>
/// Our native format (DESIGN.md §2): JSON Lines, one op a line. The reader streams the file and
/// tolerates a truncated last line (a run killed mid-write): it keeps every op before it and says so.
/// </summary>
public static class JsonlHistory
{
    public static HistoryFile Read(string path)
    {
        using var stream = HistoryReaderFiles.OpenRead(path);
        return ReadLines(stream, path);
    }

    public static HistoryFile ReadLines(Stream stream, string sourceName)
    {
        var ops = new List<Op>();
        var lines = new List<int>();
        var warnings = new List<string>();
        var strings = new StringPool();
        var lineNo = 0;
        foreach (var (whole, terminated) in SplitLines(stream))
        {
            lineNo++;
            var line = lineNo == 1 && whole.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? whole[3..] : whole;   // a UTF-8 byte-order mark
            if (IsBlank(line.Span)) continue;
            try
            {
                ops.Add(ParseOp(line.Span, ops.Count, sourceName, lineNo, strings));
                lines.Add(lineNo);
            }
            catch (HistoryFormatException e) when (!terminated && e.Field is null && IsIncomplete(e))
            {
                // The last line has no newline and does not parse: the writer was stopped mid-line.
                warnings.Add($"{sourceName}:{lineNo}: the last line is truncated (the run stopped while writing it); it was skipped and the {ops.Count} ops before it were read");
            }
        }
        return new HistoryFile(sourceName, HistoryFormat.Jsonl, new History(ops), [.. lines], SourceConventions.Native, warnings);
    }

    private static bool IsIncomplete(HistoryFormatException e) =>
        e.Problem.StartsWith("invalid JSON: the line ends", StringComparison.Ordinal) || e.Problem.StartsWith("the op object is not closed", StringComparison.Ordinal);

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    /// <summary>Yields each line (without its newline) and whether a newline ended it.</summary>
    private static IEnumerable<(ReadOnlyMemory<byte> Line, bool Terminated)> SplitLines(Stream stream)
    {
        var buffer = new byte[1 << 16];
        int start = 0, end = 0;
        while (true)
        {
            var nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                yield return (buffer.AsMemory(start, nl), true);
                start += nl + 1;
                continue;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var n = stream.Read(buffer, end, buffer.Length - end);
            if (n == 0)
            {
                if (end > start) yield return (buffer.AsMemory(start, end - start), false);
                yield break;
            }
            end += n;
        }
    }

    private static Op ParseOp(ReadOnlySpan<byte> line, int position, string source, int lineNo, StringPool strings)
    {
        var reader = new Utf8JsonReader(line);
        long index = position, time = -1;
        int? process = null;
        OpType? type = null;
        string? f = null;
        Value value = Value.Nil;
        Value? key = null, error = null;
        string field = "";
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new HistoryFormatException(source, lineNo, null, "expected a JSON object, one op a line");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                field = reader.GetString()!;
                reader.Read();
                switch (field)
                {
                    case "index": index = ReadLong(ref reader, source, lineNo, field); break;
                    case "time": time = ReadLong(ref reader, source, lineNo, field); break;
                    case "process": process = ReadProcess(ref reader, source, lineNo); break;
                    case "type":
                        if (reader.TokenType != JsonTokenType.String || !Op.TryParseType(reader.GetString(), out var t))
                            throw new HistoryFormatException(source, lineNo, field, $"expected \"invoke\", \"ok\", \"fail\" or \"info\", got {JsonValues.Describe(ref reader)}");
                        type = t;
                        break;
                    case "f":
                        if (reader.TokenType != JsonTokenType.String)
                            throw new HistoryFormatException(source, lineNo, field, $"expected a string, got {JsonValues.Describe(ref reader)}");
                        f = strings.Get(reader.ValueSpan, reader.ValueIsEscaped ? reader.GetString() : null);
                        break;
                    case "key": key = JsonValues.Read(ref reader, strings); break;
                    case "value": value = JsonValues.Read(ref reader, strings); break;
                    case "error": error = JsonValues.Read(ref reader, strings); break;
                    default: reader.Skip(); break;   // extra fields are the writer's business
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw new HistoryFormatException(source, lineNo, null, "the op object is not closed");
            if (reader.Read())
                throw new HistoryFormatException(source, lineNo, null, "more than one JSON value on the line");
        }
        catch (JsonException e)
        {
            // A line that is the start of some valid JSON stops short (a truncated write): no field is to blame.
            if (IsJsonPrefix(line))
                throw new HistoryFormatException(source, lineNo, null, $"invalid JSON: the line ends before the op does ({FirstSentence(e.Message)})");
            throw new HistoryFormatException(source, lineNo, field == "" ? null : field, $"invalid JSON at column {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
        }
        if (type is null) throw new HistoryFormatException(source, lineNo, "type", "missing");
        if (f is null) throw new HistoryFormatException(source, lineNo, "f", "missing");
        if (process is null) throw new HistoryFormatException(source, lineNo, "process", "missing");
        return new Op(index, time, type.Value, process.Value, f, value, key, error);
    }

    private static bool IsJsonPrefix(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: false, default);
        try
        {
            while (reader.Read()) { }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot < 0 ? message : message[..dot];
    }

    private static long ReadLong(ref Utf8JsonReader reader, string source, int lineNo, string field)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var n))
            throw new HistoryFormatException(source, lineNo, field, $"expected an integer, got {JsonValues.Describe(ref reader)}");
        return n;
    }

    private static int ReadProcess(ref Utf8JsonReader reader, string source, int lineNo)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var p) && p >= 0) return p;
        if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("nemesis"u8)) return Op.NemesisProcess;
        if (reader.TokenType == JsonTokenType.Null) return Op.NoProcess;
        throw new HistoryFormatException(source, lineNo, "process", $"expected a non-negative integer or \"nemesis\", got {JsonValues.Describe(ref reader)}");
    }

    /// <summary>Reads the JSON value at the reader's current token as a <see cref="Value"/>.</summary>
    public static Value ReadValue(ref Utf8JsonReader reader) => JsonValues.Read(ref reader, new StringPool());

    // ---- writing ----

    /// <summary>Writes one op as a JSON line (no newline).</summary>
    public static void WriteOp(Utf8JsonWriter w, in Op op)
    {
        w.WriteStartObject();
        w.WriteNumber("index"u8, op.Index);
        w.WriteNumber("time"u8, op.Time);
        switch (op.Process)
        {
            case Op.NemesisProcess: w.WriteString("process"u8, "nemesis"u8); break;
            case Op.NoProcess: w.WriteNull("process"u8); break;
            default: w.WriteNumber("process"u8, op.Process); break;
        }
        w.WriteString("type"u8, Op.TypeName(op.Type));
        w.WriteString("f"u8, op.F);
        if (op.Key is { } key)
        {
            w.WritePropertyName("key"u8);
            WriteValue(w, key);
        }
        w.WritePropertyName("value"u8);
        WriteValue(w, op.Value);
        if (op.Error is { } error)
        {
            w.WritePropertyName("error"u8);
            WriteValue(w, error);
        }
        w.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter w, Value v)
    {
        switch (v.Kind)
        {
            case ValueKind.Nil: w.WriteNullValue(); break;
            case ValueKind.Bool: w.WriteBooleanValue(v.Equals(Value.True)); break;
            case ValueKind.Int: w.WriteNumberValue(v.AsLong); break;
            case ValueKind.Float: w.WriteRawValue(v.ToString()); break;
            case ValueKind.String or ValueKind.Keyword: w.WriteStringValue(v.AsText); break;
            case ValueKind.List or ValueKind.Set:
                w.WriteStartArray();
                foreach (var item in v.Items) WriteValue(w, item);
                w.WriteEndArray();
                break;
            case ValueKind.Map:
                w.WriteStartObject();
                foreach (var (k, item) in v.Entries)
                {
                    w.WritePropertyName(k.AsText ?? k.ToString());
                    WriteValue(w, item);
                }
                w.WriteEndObject();
                break;
        }
    }

    /// <summary>Writes a whole history (for conversions and tests). Runs stream through <see cref="JsonlHistoryWriter"/>.</summary>
    public static void Write(Stream stream, IEnumerable<Op> ops)
    {
        using var writer = new JsonlHistoryWriter(stream, flushEachOp: false);
        foreach (var op in ops) writer.Append(op);
    }
}

/// <summary>
/// Streams a history to disk as it is recorded: each op is written as one line and, by default,
/// flushed to the operating system at once, so a harness killed with SIGKILL leaves every completed
/// op readable. Not thread-safe: the recorder serialises appends.
/// </summary>
public sealed class JsonlHistoryWriter : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Stream stream;
    private readonly bool flushEachOp;
    private readonly ArrayBufferWriter<byte> buffer = new(512);
    private readonly Utf8JsonWriter json;

    public JsonlHistoryWriter(Stream stream, bool flushEachOp = true)
    {
        this.stream = stream;
        this.flushEachOp = flushEachOp;
        json = new Utf8JsonWriter(buffer, Options);
    }

    public static JsonlHistoryWriter Create(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16));

    public void Append(in Op op)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        JsonlHistory.WriteOp(json, op);
        json.Flush();
        stream.Write(buffer.WrittenSpan);
        stream.WriteByte((byte)'\n');
        if (flushEachOp) stream.Flush();
    }

    public void Dispose()
    {
        stream.Flush();
        json.Dispose();
        stream.Dispose();
    }
}

/// <summary>Shares the strings that repeat in a history (f names, keys) instead of allocating one per op.</summary>
internal sealed class StringPool
{
    private readonly Dictionary<int, List<string>> byHash = [];

    public string Get(ReadOnlySpan<byte> utf8, string? unescaped)
    {
        if (unescaped is not null || utf8.Length > 64 || !System.Text.Ascii.IsValid(utf8))
            return unescaped ?? Encoding.UTF8.GetString(utf8);
        var hash = 17;
        foreach (var b in utf8) hash = hash * 31 + b;
        if (byHash.TryGetValue(hash, out var bucket))
        {
            foreach (var s in bucket)
                if (Matches(s, utf8)) return s;
        }
        else
        {
            bucket = byHash[hash] = new List<string>(1);
        }
        var text = Encoding.UTF8.GetString(utf8);
        if (byHash.Count < 100_000) bucket.Add(text);
        return text;
    }

    private static bool Matches(string s, ReadOnlySpan<byte> utf8)
    {
        if (s.Length != utf8.Length) return false;   // only ASCII is pooled: one byte, one char
        for (var i = 0; i < utf8.Length; i++)
            if (s[i] != utf8[i]) return false;
        return true;
    }
}

internal static class HistoryReaderFiles
{
    public static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new HistoryFormatException(path, 0, null, "no such file");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new HistoryFormatException(path, 0, null, $"cannot be read: {e.Message}");
        }
    }
}
