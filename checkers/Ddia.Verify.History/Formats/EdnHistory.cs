using System.Text;

namespace Ddia.Verify.History.Formats;

/// <summary>How to read an EDN history.</summary>
public sealed record EdnOptions
{
    /// <summary>
    /// The history comes from Jepsen's independent checker: every client op's value is a
    /// <c>[key value]</c> tuple, split into <see cref="Op.Key"/> and <see cref="Op.Value"/>. Off by
    /// default, because a cas value <c>[from to]</c> is a 2-vector too and only the caller knows
    /// which one a file holds.
    /// </summary>
    public bool Independent { get; init; }

    public static EdnOptions Default { get; } = new();
}

/// <summary>
/// Jepsen, Knossos and Elle histories in EDN (see ../shared/corpora/*/FORMAT.md): one vector or list
/// of op maps, or a stream of top-level op maps (one a line or pretty-printed), or
/// <c>#jepsen.history.Op{...}</c> records. A file cut off inside its last op (a crashed run) is read
/// up to that op, with a warning.
/// </summary>
public static class EdnHistory
{
    public static HistoryFile Read(string path) => Read(path, EdnOptions.Default);

    public static HistoryFile Read(string path, EdnOptions options)
    {
        using var reader = FormatIo.OpenText(path);
        return Read(reader, path, options);
    }

    /// <summary>Reads EDN text (tests, and histories held in memory).</summary>
    public static HistoryFile Parse(string text, string sourceName = "<string>", EdnOptions? options = null) =>
        Read(new StringReader(text), sourceName, options);

    public static HistoryFile Read(TextReader reader, string sourceName, EdnOptions? options = null)
    {
        options ??= EdnOptions.Default;
        var parser = new EdnParser(reader, sourceName);
        var ops = new List<Op>();
        var lines = new List<int>();
        var warnings = new List<string>();

        parser.SkipWhitespace();
        var first = parser.Peek();
        if (first is '[' or '(')
            ReadCollection(parser, (char)first, options, ops, lines, warnings);
        else
            ReadStream(parser, options, ops, lines, warnings);

        return new HistoryFile(sourceName, HistoryFormat.Edn, new History(ops.ToArray()), lines.ToArray(),
            SourceConventions.Knossos, warnings);
    }

    private static void ReadStream(EdnParser parser, EdnOptions options, List<Op> ops, List<int> lines, List<string> warnings)
    {
        while (true)
        {
            parser.SkipWhitespace();
            if (parser.Peek() < 0) return;
            if (!TryReadOpForm(parser, ops.Count, warnings, out var form, out var line)) return;
            ops.Add(ToOp(form, ops.Count, parser.Source, line, options.Independent, ":"));
            lines.Add(line);
        }
    }

    private static void ReadCollection(EdnParser parser, char open, EdnOptions options, List<Op> ops, List<int> lines,
        List<string> warnings)
    {
        var close = open == '[' ? ']' : ')';
        var what = open == '[' ? "vector" : "list";
        var openLine = parser.Line;
        parser.Advance();
        while (true)
        {
            parser.SkipWhitespace();
            var c = parser.Peek();
            if (c < 0)
            {
                warnings.Add($"{parser.Source}:{openLine}: the {what} of ops opened here is never closed (the file ends first); "
                    + $"its {ops.Count} ops were read");
                return;
            }
            if (c == close)
            {
                parser.Advance();
                break;
            }
            if (c is ')' or ']' or '}')
                throw new HistoryFormatException(parser.Source, parser.Line, null,
                    $"unexpected '{(char)c}' in the {what} of ops opened at line {openLine}, which ends with '{close}'");
            if (!TryReadOpForm(parser, ops.Count, warnings, out var form, out var line)) return;
            ops.Add(ToOp(form, ops.Count, parser.Source, line, options.Independent, ":"));
            lines.Add(line);
        }
        parser.SkipWhitespace();
        if (parser.Peek() >= 0)
            throw new HistoryFormatException(parser.Source, parser.Line, null,
                $"unexpected text after the {what} of ops: a history is one {what}, or a stream of op maps");
    }

    /// <summary>
    /// Reads the form of one op. False when the input ends inside it: the file was cut off, which is
    /// reported as a warning, unless an op map was left open and swallowed the ops after it.
    /// </summary>
    private static bool TryReadOpForm(EdnParser parser, int complete, List<string> warnings, out Value form, out int line)
    {
        line = parser.Line;
        parser.WatchDepth = parser.Depth + 1;
        parser.SwallowedLine = 0;
        try
        {
            form = parser.ReadForm();
            return true;
        }
        catch (HistoryFormatException e) when (parser.FailedAtEndOfInput)
        {
            if (parser.SwallowedLine > 0)
                throw new HistoryFormatException(parser.Source, line, null,
                    $"the op starting here is never closed: the op at line {parser.SwallowedLine} begins inside it ({e.Problem})");
            warnings.Add($"{parser.Source}:{line}: the last op is cut off (the file ends inside it: {e.Problem}); "
                + $"it was skipped and the {complete} ops before it were read");
            form = Value.Nil;
            return false;
        }
    }

    /// <summary>
    /// An op map to an <see cref="Op"/>. <paramref name="keyPrefix"/> is how field names are shown in
    /// errors (":" for EDN: "field ':type'").
    /// </summary>
    internal static Op ToOp(Value form, long position, string source, int line, bool independent, string keyPrefix)
    {
        if (form.Kind != ValueKind.Map)
            throw new HistoryFormatException(source, line, null, $"expected an op map, got {FormatIo.Describe(form)}");
        long index = position;
        long time = -1;
        OpType? type = null;
        var process = Op.NoProcess;
        var f = "";
        var value = Value.Nil;
        Value? key = null;
        Value? error = null;
        foreach (var (k, v) in form.Entries)
        {
            switch (k.AsText)
            {
                case "index":
                    if (!v.IsNil) index = Integer(v, "index");
                    break;
                case "time":
                    if (!v.IsNil) time = Integer(v, "time");
                    break;
                case "type":
                    if (!Op.TryParseType(v.Kind is ValueKind.Keyword or ValueKind.String ? v.AsText : null, out var t))
                        throw Field("type", $"expected :invoke, :ok, :fail or :info, got {FormatIo.Describe(v)}");
                    type = t;
                    break;
                case "process":
                    process = Process(v);
                    break;
                case "f":
                    if (v.Kind is ValueKind.Keyword or ValueKind.String) f = v.AsText!;
                    else if (!v.IsNil) throw Field("f", $"expected a keyword, got {FormatIo.Describe(v)}");
                    break;
                case "value":
                    value = v;
                    break;
                case "key":
                    key = v.IsNil ? null : v;
                    break;
                case "error":
                    error = v.IsNil ? null : v;
                    break;
            }
        }
        if (type is null) throw Field("type", "missing: every op needs one of :invoke, :ok, :fail or :info");
        if (independent && key is null && process != Op.NemesisProcess && value.Kind == ValueKind.List && value.Items.Length == 2)
        {
            key = value.Items[0];
            value = value.Items[1];
        }
        return new Op(index, time, type.Value, process, f, value, key, error);

        long Integer(Value v, string field) =>
            v.TryGetLong(out var n) ? n : throw Field(field, $"expected an integer, got {FormatIo.Describe(v)}");

        int Process(Value v)
        {
            if (v.IsNil) return Op.NoProcess;
            if (v.TryGetLong(out var n) && n is >= 0 and <= int.MaxValue) return (int)n;
            if (v.Kind is ValueKind.Keyword or ValueKind.String && v.AsText == "nemesis") return Op.NemesisProcess;
            throw Field("process", $"expected a non-negative integer or {keyPrefix}nemesis, got {FormatIo.Describe(v)}");
        }

        HistoryFormatException Field(string name, string message) => new(source, line, keyPrefix + name, message);
    }
}

/// <summary>
/// Writes histories as Jepsen EDN: a stream of op maps, one a line, which Jepsen's, Knossos' and
/// Elle's readers accept: <c>{:index 0, :time 1523000, :type :invoke, :process 0, :f :write, :value 3}</c>.
/// An op with a key is written as an independent tuple (<c>:value [k v]</c>); a transaction's
/// micro-op names are written as keywords (<c>[:append "x" 1]</c>), as Elle expects.
/// </summary>
public static class EdnHistoryWriter
{
    public static void Write(IEnumerable<Op> ops, TextWriter writer)
    {
        foreach (var op in ops)
        {
            WriteOp(op, writer);
            writer.Write('\n');
        }
    }

    public static void WriteFile(IEnumerable<Op> ops, string path)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), FormatIo.BufferSize);
        Write(ops, writer);
    }

    public static string ToText(IEnumerable<Op> ops)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Write(ops, writer);
        return writer.ToString();
    }

    /// <summary>Writes one op map, without a newline.</summary>
    public static void WriteOp(Op op, TextWriter w)
    {
        w.Write("{:index ");
        WriteLong(w, op.Index);
        if (op.Time != -1)
        {
            w.Write(", :time ");
            WriteLong(w, op.Time);
        }
        w.Write(", :type :");
        w.Write(Op.TypeName(op.Type));
        switch (op.Process)
        {
            case Op.NoProcess:
                break;
            case Op.NemesisProcess:
                w.Write(", :process :nemesis");
                break;
            default:
                w.Write(", :process ");
                WriteLong(w, op.Process);
                break;
        }
        if (op.F.Length > 0)
        {
            w.Write(", :f ");
            if (IsKeywordName(op.F))
            {
                w.Write(':');
                w.Write(op.F);
            }
            else
            {
                WriteString(w, op.F);
            }
        }
        w.Write(", :value ");
        var transaction = op.F is "txn" or "" && IsTransaction(op.Value);
        if (op.Key is { } key)
        {
            w.Write('[');
            WriteValue(key, w);
            w.Write(' ');
            WriteValue(op.Value, w, transaction);
            w.Write(']');
        }
        else
        {
            WriteValue(op.Value, w, transaction);
        }
        if (op.Error is { } error)
        {
            w.Write(", :error ");
            WriteValue(error, w);
        }
        w.Write('}');
    }

    /// <summary>Writes a value as EDN that <see cref="EdnParser"/> and Clojure's reader read back equal.</summary>
    public static void WriteValue(Value value, TextWriter w) => WriteValue(value, w, false);

    private static void WriteValue(Value value, TextWriter w, bool transaction)
    {
        switch (value.Kind)
        {
            case ValueKind.Nil:
                w.Write("nil");
                break;
            case ValueKind.Bool:
                w.Write(value.Equals(Value.True) ? "true" : "false");
                break;
            case ValueKind.Int:
                WriteLong(w, value.AsLong);
                break;
            case ValueKind.Float:
                WriteFloat(w, value);
                break;
            case ValueKind.String:
                WriteString(w, value.AsText!);
                break;
            case ValueKind.Keyword:
                var name = value.AsText!;
                if (!IsKeywordName(name))
                    throw new ArgumentException($"keyword name '{name}' cannot be written as EDN", nameof(value));
                w.Write(':');
                w.Write(name);
                break;
            case ValueKind.List:
                w.Write('[');
                var items = value.Items;
                for (var i = 0; i < items.Length; i++)
                {
                    if (i > 0) w.Write(' ');
                    if (transaction) WriteMicroOp(items[i], w);
                    else WriteValue(items[i], w);
                }
                w.Write(']');
                break;
            case ValueKind.Set:
                w.Write("#{");
                var members = value.Items;
                for (var i = 0; i < members.Length; i++)
                {
                    if (i > 0) w.Write(' ');
                    WriteValue(members[i], w);
                }
                w.Write('}');
                break;
            case ValueKind.Map:
                w.Write('{');
                var entries = value.Entries;
                for (var i = 0; i < entries.Length; i++)
                {
                    if (i > 0) w.Write(", ");
                    WriteValue(entries[i].Key, w);
                    w.Write(' ');
                    WriteValue(entries[i].Value, w);
                }
                w.Write('}');
                break;
        }
    }

    /// <summary>A micro-op <c>[f k v]</c>: a string f becomes a keyword.</summary>
    private static void WriteMicroOp(Value microOp, TextWriter w)
    {
        var items = microOp.Items;
        w.Write('[');
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0) w.Write(' ');
            if (i == 0 && items[0].Kind == ValueKind.String)
            {
                w.Write(':');
                w.Write(items[0].AsText);
            }
            else
            {
                WriteValue(items[i], w);
            }
        }
        w.Write(']');
    }

    /// <summary>A transaction: a non-empty list of micro-ops, each a list led by a keyword or a keyword-like string.</summary>
    private static bool IsTransaction(Value value)
    {
        if (value.Kind != ValueKind.List || value.Items.Length == 0) return false;
        foreach (var microOp in value.Items)
        {
            if (microOp.Kind != ValueKind.List || microOp.Items.Length == 0) return false;
            var f = microOp.Items[0];
            if (f.Kind == ValueKind.Keyword) continue;
            if (f.Kind != ValueKind.String || !IsKeywordName(f.AsText!) || char.IsAsciiDigit(f.AsText![0])) return false;
        }
        return true;
    }

    private static void WriteLong(TextWriter w, long n)
    {
        Span<char> digits = stackalloc char[20];
        n.TryFormat(digits, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        w.Write(digits[..written]);
    }

    private static void WriteFloat(TextWriter w, Value value)
    {
        // Value exposes no double; its own EDN text is exact ("R") except for the non-finite ones.
        var text = value.ToString();
        if (text.StartsWith("NaN", StringComparison.Ordinal)) w.Write("##NaN");
        else if (text.StartsWith("-Infinity", StringComparison.Ordinal) || text.StartsWith("-∞", StringComparison.Ordinal))
            w.Write("##-Inf");
        else if (text.StartsWith("Infinity", StringComparison.Ordinal) || text.StartsWith('∞')) w.Write("##Inf");
        else w.Write(text);
    }

    private static void WriteString(TextWriter w, string s)
    {
        w.Write('"');
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' or '\u007f' => $"\\u{(int)c:x4}",
                _ => null,
            };
            if (escape is null) continue;
            w.Write(s.AsSpan(start, i - start));
            w.Write(escape);
            start = i + 1;
        }
        w.Write(s.AsSpan(start));
        w.Write('"');
    }

    /// <summary>Names that <see cref="EdnParser"/> reads back as the same keyword after a ':'.</summary>
    internal static bool IsKeywordName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c <= ' ' || c is ',' or '(' or ')' or '[' or ']' or '{' or '}' or '"' or ';' or '\\' or '\u007f' or '\uFEFF') return false;
            if (c > 127 && char.IsWhiteSpace(c)) return false;
        }
        return true;
    }
}
