using System.Globalization;

namespace Ddia.Verify.History.Formats;

/// <summary>
/// The histories in Porcupine's test data (../shared/corpora/porcupine/FORMAT.md): Jepsen etcd console
/// logs (<c>INFO  jepsen.util - 3	:invoke	:read	nil</c>) and kv logs (one EDN op map a line with
/// <c>:key</c>). Neither has times: the order of the lines is the order of the events.
/// </summary>
public static class PorcupineLogs
{
    private const string EtcdShape = "'INFO  jepsen.util - <process> <type> <f> <value>'";

    public static HistoryFile ReadEtcd(string path)
    {
        using var reader = FormatIo.OpenText(path);
        return ReadEtcd(reader, path);
    }

    /// <summary>
    /// Reads an etcd log. A timed-out completion (<c>:info :write :timed-out</c>,
    /// <c>:fail :read :timed-out</c>) keeps the value of its invocation and gets
    /// <c>:timed-out</c> as its error, so it reads like any other indeterminate or failed op.
    /// </summary>
    public static HistoryFile ReadEtcd(TextReader reader, string sourceName)
    {
        var text = reader.ReadToEnd();
        var keywords = new KeywordTable();
        var ops = new List<Op>();
        var lines = new List<int>();
        var warnings = new List<string>();
        var open = new Dictionary<int, Value>();
        foreach (var (lineNo, start, length, terminated) in Lines(text))
        {
            var line = text.AsSpan(start, length);
            if (line.IsWhiteSpace()) continue;
            EtcdEvent e;
            try
            {
                e = ParseEtcdLine(line, sourceName, lineNo, keywords);
            }
            catch (HistoryFormatException ex) when (!terminated)
            {
                warnings.Add(TruncatedLine(sourceName, lineNo, ex, ops.Count));
                break;
            }
            var value = e.Value;
            Value? error = null;
            if (e.Type == OpType.Invoke)
            {
                open[e.Process] = value;
            }
            else
            {
                open.Remove(e.Process, out var invoked);
                if (value.Kind == ValueKind.Keyword && value.AsText == "timed-out")
                {
                    error = value;
                    value = invoked ?? Value.Nil;
                }
            }
            ops.Add(new Op(ops.Count, -1, e.Type, e.Process, e.F, value, null, error));
            lines.Add(lineNo);
        }
        return new HistoryFile(sourceName, HistoryFormat.PorcupineEtcd, new History(ops.ToArray()), lines.ToArray(),
            SourceConventions.Porcupine, warnings);
    }

    public static HistoryFile ReadKv(string path)
    {
        using var reader = FormatIo.OpenText(path);
        return ReadKv(reader, path);
    }

    /// <summary>Reads a kv log: each line one op map; <c>:key</c> becomes <see cref="Op.Key"/>.</summary>
    public static HistoryFile ReadKv(TextReader reader, string sourceName)
    {
        var text = reader.ReadToEnd();
        var keywords = new KeywordTable();
        var ops = new List<Op>();
        var lines = new List<int>();
        var warnings = new List<string>();
        foreach (var (lineNo, start, length, terminated) in Lines(text))
        {
            var line = text.AsSpan(start, length);
            if (line.IsWhiteSpace()) continue;
            var parser = new EdnParser(line.ToString(), sourceName, lineNo, keywords);
            Value form;
            try
            {
                if (!parser.TryRead(out var read)) continue;   // a comment
                form = read;
                parser.SkipWhitespace();
                if (parser.Peek() >= 0)
                {
                    throw new HistoryFormatException(sourceName, lineNo, null,
                        "more than one EDN value on the line: expected one op map a line");
                }
            }
            catch (HistoryFormatException ex) when (!terminated && parser.FailedAtEndOfInput)
            {
                warnings.Add(TruncatedLine(sourceName, lineNo, ex, ops.Count));
                break;
            }
            ops.Add(EdnHistory.ToOp(form, ops.Count, sourceName, lineNo, independent: false, ":"));
            lines.Add(lineNo);
        }
        return new HistoryFile(sourceName, HistoryFormat.PorcupineKv, new History(ops.ToArray()), lines.ToArray(),
            SourceConventions.Native, warnings);
    }

    private static string TruncatedLine(string source, int lineNo, HistoryFormatException e, int complete) =>
        $"{source}:{lineNo}: the last line is cut off (it has no newline and does not parse: {e.Problem}); "
        + $"it was skipped and the {complete} ops before it were read";

    private readonly record struct EtcdEvent(int Process, OpType Type, string F, Value Value);

    private static EtcdEvent ParseEtcdLine(ReadOnlySpan<char> line, string source, int lineNo, KeywordTable keywords)
    {
        var rest = line;
        if (!Word(ref rest, "INFO") || !Word(ref rest, "jepsen.util") || !Word(ref rest, "-"))
            throw new HistoryFormatException(source, lineNo, null, $"expected a Jepsen log line {EtcdShape}, got {FormatIo.Quote(line)}");
        var process = Field(ref rest);
        var type = Field(ref rest);
        var f = Field(ref rest);
        var value = rest.Trim();
        if (process.IsEmpty || type.IsEmpty || f.IsEmpty)
            throw new HistoryFormatException(source, lineNo, null, $"expected a Jepsen log line {EtcdShape}, got {FormatIo.Quote(line)}");

        int processId;
        if (process.SequenceEqual(":nemesis")) processId = Op.NemesisProcess;
        else if (!int.TryParse(process, NumberStyles.None, CultureInfo.InvariantCulture, out processId))
            throw new HistoryFormatException(source, lineNo, "process", $"expected a non-negative integer, got {FormatIo.Quote(process)}");

        if (type.Length < 2 || type[0] != ':' || !Op.TryParseType(type[1..].ToString(), out var opType))
            throw new HistoryFormatException(source, lineNo, "type", $"expected :invoke, :ok, :fail or :info, got {FormatIo.Quote(type)}");

        if (f.Length < 2 || f[0] != ':')
            throw new HistoryFormatException(source, lineNo, "f", $"expected a keyword (:read, :write, :cas), got {FormatIo.Quote(f)}");
        var name = keywords.Get(f[1..]).AsText!;

        if (value.IsEmpty)
            throw new HistoryFormatException(source, lineNo, "value", "missing: expected nil, an integer, [from to] or :timed-out");
        Value parsed;
        try
        {
            parsed = EdnParser.ParseOne(value.ToString(), source, lineNo, keywords);
        }
        catch (HistoryFormatException e)
        {
            throw new HistoryFormatException(source, lineNo, "value", e.Problem);
        }
        return new EtcdEvent(processId, opType, name, parsed);
    }

    /// <summary>Skips whitespace, then <paramref name="word"/>, which must be followed by whitespace.</summary>
    private static bool Word(ref ReadOnlySpan<char> rest, string word)
    {
        var trimmed = rest.TrimStart();
        if (!trimmed.StartsWith(word, StringComparison.Ordinal)) return false;
        var after = trimmed[word.Length..];
        if (after.IsEmpty || !char.IsWhiteSpace(after[0])) return false;
        rest = after;
        return true;
    }

    /// <summary>The next whitespace-separated field.</summary>
    private static ReadOnlySpan<char> Field(ref ReadOnlySpan<char> rest)
    {
        rest = rest.TrimStart();
        var end = rest.IndexOfAny(' ', '\t');
        if (end < 0)
        {
            var all = rest;
            rest = [];
            return all;
        }
        var field = rest[..end];
        rest = rest[end..];
        return field;
    }

    /// <summary>The lines of a text: number, start, length (without "\n" or "\r\n"), and whether a newline ends it.</summary>
    private static IEnumerable<(int Line, int Start, int Length, bool Terminated)> Lines(string text)
    {
        var lineNo = 0;
        var start = 0;
        while (start < text.Length)
        {
            lineNo++;
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl;
            var length = end - start;
            if (length > 0 && text[end - 1] == '\r') length--;
            yield return (lineNo, start, length, nl >= 0);
            start = end + 1;
        }
    }
}
