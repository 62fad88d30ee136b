namespace Ddia.Verify.History.Formats;

/// <summary>
/// Reads a history file of any format we know. Without a format, it is told from the content (never
/// from the file name): Porcupine's etcd logs start "INFO  jepsen.util -", our JSON Lines start
/// <c>{"</c>, EDN op maps <c>{:</c> (Porcupine's kv logs are EDN maps with <c>:key</c> strings, one a
/// line), a JSON array <c>[{"</c>, an EDN collection <c>[{:</c> or <c>({:</c>, and Jepsen records
/// <c>#jepsen.history.Op{</c>.
/// </summary>
public static class HistoryReader
{
    private const int SniffChars = 1 << 16;
    private const int KvSampleLines = 5;

    private const string CannotTell =
        "cannot tell the format: expected JSON Lines, EDN, a JSON array or a Porcupine log; use --format";

    private static readonly (string Name, HistoryFormat Format)[] Names =
    [
        ("jsonl", HistoryFormat.Jsonl),
        ("edn", HistoryFormat.Edn),
        ("json", HistoryFormat.JsonArray),
        ("porcupine-etcd", HistoryFormat.PorcupineEtcd),
        ("porcupine-kv", HistoryFormat.PorcupineKv),
    ];

    public static HistoryFile Read(string path, HistoryFormat? format = null) => Read(path, format, EdnOptions.Default);

    /// <summary>Reads <paramref name="path"/>; <paramref name="edn"/> applies when the file is EDN.</summary>
    public static HistoryFile Read(string path, HistoryFormat? format, EdnOptions edn)
    {
        if (!File.Exists(path)) throw FormatIo.NoSuchFile(path);
        var chosen = format ?? Detect(path);
        if (chosen is null)
            return new HistoryFile(path, HistoryFormat.Jsonl, new History([]), [], SourceConventions.Native, []);
        return chosen.Value switch
        {
            HistoryFormat.Jsonl => JsonlHistory.Read(path),
            HistoryFormat.Edn => EdnHistory.Read(path, edn),
            HistoryFormat.JsonArray => JsonArrayHistory.Read(path),
            HistoryFormat.PorcupineEtcd => PorcupineLogs.ReadEtcd(path),
            HistoryFormat.PorcupineKv => PorcupineLogs.ReadKv(path),
            _ => throw new ArgumentOutOfRangeException(nameof(format), chosen, "unknown history format"),
        };
    }

    /// <summary>
    /// The format of a file, from its content; null for an empty (or whitespace-only) file.
    /// Throws <see cref="HistoryFormatException"/> when the content is none of ours.
    /// </summary>
    public static HistoryFormat? DetectFormat(string path)
    {
        if (!File.Exists(path)) throw FormatIo.NoSuchFile(path);
        return Detect(path);
    }

    /// <summary>
    /// The format of a text, from its beginning; null if it is empty. <paramref name="whole"/>: the text
    /// is the whole file, not just its first part.
    /// </summary>
    public static HistoryFormat? DetectFormat(string text, string sourceName, bool whole = true) =>
        Detect(text, sourceName, whole);

    /// <summary>Names for the command line: jsonl, edn, json, porcupine-etcd, porcupine-kv.</summary>
    public static bool TryParseFormatName(string name, out HistoryFormat format)
    {
        foreach (var (n, f) in Names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                format = f;
                return true;
            }
        }
        format = default;
        return false;
    }

    /// <summary>The command-line name of a format.</summary>
    public static string FormatName(HistoryFormat format)
    {
        foreach (var (n, f) in Names)
            if (f == format) return n;
        throw new ArgumentOutOfRangeException(nameof(format), format, "unknown history format");
    }

    public static IReadOnlyList<string> FormatNames { get; } = Names.Select(n => n.Name).ToArray();

    private static HistoryFormat? Detect(string path)
    {
        using var reader = FormatIo.OpenText(path);
        var buffer = new char[SniffChars];
        var n = reader.ReadBlock(buffer, 0, buffer.Length);
        var whole = n < buffer.Length || reader.Peek() < 0;
        return Detect(new string(buffer, 0, n), path, whole);
    }

    private static HistoryFormat? Detect(string text, string source, bool whole)
    {
        var line = 1;
        var sawComment = false;
        var i = SkipSpace(text, 0, ref line, ref sawComment, comments: true);
        if (i >= text.Length) return sawComment ? HistoryFormat.Edn : null;
        var rest = text.AsSpan(i);
        var c = text[i];

        if (rest.StartsWith("INFO", StringComparison.Ordinal))
        {
            var eol = rest.IndexOf('\n');
            var first = eol < 0 ? rest : rest[..eol];
            if (first.Contains("jepsen.util", StringComparison.Ordinal)) return HistoryFormat.PorcupineEtcd;
        }
        else if (c == '#' && i + 1 < text.Length && char.IsLetter(text[i + 1]))
        {
            return HistoryFormat.Edn;   // a tagged record: #jepsen.history.Op{...}
        }
        else if (c is '[' or '(')
        {
            var ignored = 0;
            var j = SkipSpace(text, i + 1, ref ignored, ref sawComment, comments: true);
            if (j < text.Length)
            {
                var d = text[j];
                if (d == '{')
                {
                    var k = SkipSpace(text, j + 1, ref ignored, ref sawComment, comments: false);
                    if (k < text.Length && text[k] == ':') return HistoryFormat.Edn;
                    if (k < text.Length && text[k] is '"' or '}' && c == '[') return HistoryFormat.JsonArray;
                }
                else if (d == '#' && j + 1 < text.Length && char.IsLetter(text[j + 1]))
                {
                    return HistoryFormat.Edn;
                }
                else if (d == ']' && c == '[')
                {
                    return HistoryFormat.JsonArray;   // []: an empty history either way
                }
                else if (d == ')')
                {
                    return HistoryFormat.Edn;
                }
            }
        }
        else if (c == '{')
        {
            var ignored = 0;
            var k = SkipSpace(text, i + 1, ref ignored, ref sawComment, comments: false);
            if (k < text.Length && text[k] == '"') return HistoryFormat.Jsonl;
            if (k < text.Length && text[k] == ':') return LooksLikeKvLog(text, i, whole) ? HistoryFormat.PorcupineKv : HistoryFormat.Edn;
        }
        throw new HistoryFormatException(source, line, null, CannotTell);
    }

    /// <summary>
    /// Porcupine's kv logs: each of the first lines is one EDN map with exactly the keys :process,
    /// :type (a keyword), :f, :key (a string) and :value. Jepsen's op maps have no :key.
    /// </summary>
    private static bool LooksLikeKvLog(string text, int start, bool whole)
    {
        var keywords = new KeywordTable();
        var checkedLines = 0;
        var pos = start;
        while (checkedLines < KvSampleLines && pos < text.Length)
        {
            var nl = text.IndexOf('\n', pos);
            if (nl < 0 && !whole) break;   // a line cut off by the sample
            var end = nl < 0 ? text.Length : nl;
            var line = text[pos..end];
            pos = end + 1;
            if (string.IsNullOrWhiteSpace(line)) continue;
            Value map;
            try
            {
                map = EdnParser.ParseOne(line, "<sniff>", 1, keywords);
            }
            catch (HistoryFormatException)
            {
                return false;
            }
            if (!IsKvOp(map)) return false;
            checkedLines++;
        }
        return checkedLines > 0;
    }

    private static bool IsKvOp(Value map)
    {
        if (map.Kind != ValueKind.Map || map.Entries.Length != 5) return false;
        foreach (var (k, v) in map.Entries)
        {
            if (k.Kind != ValueKind.Keyword) return false;
            switch (k.AsText)
            {
                case "key" when v.Kind == ValueKind.String:
                case "type" when v.Kind == ValueKind.Keyword:
                case "process" or "f" or "value":
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>Skips whitespace (with commas and, where EDN allows them, ';' comments); counts lines.</summary>
    private static int SkipSpace(string text, int i, ref int line, ref bool sawComment, bool comments)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (char.IsWhiteSpace(c) || c is '\uFEFF' or ',')
            {
                i++;
            }
            else if (c == ';' && comments)
            {
                sawComment = true;
                while (i < text.Length && text[i] != '\n') i++;
            }
            else
            {
                break;
            }
        }
        return i;
    }
}
