using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ddia.Verify.History.Formats;

/// <summary>
/// A small, streaming EDN reader (https://github.com/edn-format/edn) producing <see cref="Value"/>s.
/// It reads what Jepsen, Knossos and Elle write: nil, booleans, integers (with an N suffix), floats
/// (with an M suffix, and ##Inf, ##-Inf, ##NaN), strings, characters (read as one-character strings),
/// keywords (the name after the colon, namespace included), symbols (read as strings), lists and
/// vectors (both lists), sets, maps (entries kept in order), <c>;</c> comments, <c>#_</c> discards
/// and tagged elements, whose tag is dropped (<c>#jepsen.history.Op{...}</c> reads as the map,
/// <c>#inst "..."</c> as the string).
/// </summary>
/// <remarks>
/// Errors are <see cref="HistoryFormatException"/>s naming the source and the line. An unterminated
/// form names the line where it was opened. Top-level forms are read one at a time with
/// <see cref="TryRead"/>, so a stream of op maps never has to be held as one value.
/// </remarks>
public sealed class EdnParser
{
    private const int BufferSize = 1 << 16;
    private const int MaxDepth = 512;

    private readonly TextReader? reader;
    private readonly KeywordTable keywords;
    private char[] buf;
    private int pos;
    private int len;
    private bool readerDone;

    // Token scratch (strings, tokens that straddle a buffer refill) and the item stack shared by
    // all open collections: a collection pushes its items, then pops them into its own array.
    private char[] tok = new char[128];
    private int tokLen;
    private readonly List<Value> stack = new(64);

    private int depth;
    private bool onlyWhitespaceSinceNewline = true;

    /// <summary>Reads forms from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    public EdnParser(TextReader reader, string source)
    {
        this.reader = reader;
        Source = source;
        buf = new char[BufferSize];
        keywords = new KeywordTable();
    }

    /// <summary>Reads forms from <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    public EdnParser(string text, string source)
        : this(text, source, 1, null)
    {
    }

    /// <summary>Reads a piece of a larger file: its lines count from <paramref name="firstLine"/>.</summary>
    internal EdnParser(string text, string source, int firstLine, KeywordTable? sharedKeywords)
    {
        Source = source;
        buf = text.ToCharArray();
        len = buf.Length;
        readerDone = true;
        Line = firstLine;
        keywords = sharedKeywords ?? new KeywordTable();
    }

    /// <summary>The name of the input, as errors show it.</summary>
    public string Source { get; }

    /// <summary>The current line (1-based).</summary>
    public int Line { get; private set; } = 1;

    /// <summary>The line where the form last returned by <see cref="TryRead"/> starts.</summary>
    public int FormLine { get; private set; }

    /// <summary>True once an error was thrown because the input ended inside a form (a truncated file).</summary>
    public bool FailedAtEndOfInput { get; private set; }

    /// <summary>The keyword names seen so far, shared by parsers that read pieces of one file.</summary>
    internal KeywordTable Keywords => keywords;

    /// <summary>How many collections are open.</summary>
    internal int Depth => depth;

    /// <summary>
    /// Set by callers that read op maps: the nesting depth of an op map's entries. A map or tagged
    /// form that opens at that depth as the first thing on its line looks like the next op swallowed
    /// by an op that was never closed; <see cref="SwallowedLine"/> records the first such line.
    /// </summary>
    internal int WatchDepth { get; set; } = -1;

    internal int SwallowedLine { get; set; }

    /// <summary>Reads the next top-level form. False at the end of the input.</summary>
    public bool TryRead([NotNullWhen(true)] out Value? value)
    {
        SkipWhitespace();
        if (Peek() < 0)
        {
            value = null;
            return false;
        }
        FormLine = Line;
        value = ReadForm();
        return true;
    }

    /// <summary>Reads every top-level form, one at a time.</summary>
    public IEnumerable<Value> ReadAll()
    {
        while (TryRead(out var value)) yield return value;
    }

    /// <summary>Parses text that holds exactly one form.</summary>
    public static Value ParseOne(string text, string source = "<string>") => ParseOne(text, source, 1, null);

    internal static Value ParseOne(string text, string source, int firstLine, KeywordTable? keywords)
    {
        var parser = new EdnParser(text, source, firstLine, keywords);
        if (!parser.TryRead(out var value))
            throw new HistoryFormatException(source, firstLine, null, "expected an EDN value, found nothing");
        parser.SkipWhitespace();
        if (parser.Peek() >= 0)
            throw new HistoryFormatException(source, parser.Line, null, $"unexpected {parser.DescribeNext()} after the value");
        return value;
    }

    // ---------------------------------------------------------------- characters

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Peek() => pos < len ? buf[pos] : (Fill(1) ? buf[pos] : -1);

    private int PeekSecond() => pos + 1 < len || Fill(2) ? buf[pos + 1] : -1;

    /// <summary>Consumes the character that <see cref="Peek"/> returned.</summary>
    internal void Advance()
    {
        var c = buf[pos++];
        if (c == '\n')
        {
            Line++;
            onlyWhitespaceSinceNewline = true;
        }
        else if (!IsWhitespace(c))
        {
            onlyWhitespaceSinceNewline = false;
        }
    }

    /// <summary>Makes at least <paramref name="need"/> characters available from <c>pos</c>, if the input has them.</summary>
    private bool Fill(int need)
    {
        if (len - pos >= need) return true;
        if (reader is null || readerDone) return false;
        var remaining = len - pos;
        if (remaining > 0) Array.Copy(buf, pos, buf, 0, remaining);
        pos = 0;
        len = remaining;
        while (len < need)
        {
            var n = reader.Read(buf, len, buf.Length - len);
            if (n == 0)
            {
                readerDone = true;
                break;
            }
            len += n;
        }
        return len - pos >= need;
    }

    private static bool IsWhitespace(char c) => c switch
    {
        ' ' or ',' or '\n' or '\t' or '\r' or '\f' or '\v' or '\uFEFF' => true,
        < (char)128 => false,
        _ => char.IsWhiteSpace(c),
    };

    /// <summary>Characters that may appear in symbols, keywords and numbers.</summary>
    private static bool IsTokenChar(char c)
    {
        if (c < 128) return AsciiTokenChars[c];
        return c != '\uFEFF' && !char.IsWhiteSpace(c);
    }

    private static readonly bool[] AsciiTokenChars = BuildTokenChars();

    private static bool[] BuildTokenChars()
    {
        var table = new bool[128];
        for (var c = 33; c < 127; c++) table[c] = true;
        foreach (var c in ",()[]{}\";\\") table[c] = false;
        return table;
    }

    /// <summary>Skips whitespace, commas, comments and <c>#_</c> discarded forms.</summary>
    internal void SkipWhitespace()
    {
        while (true)
        {
            while (pos < len)
            {
                var ch = buf[pos];
                if (ch is ' ' or ',' or '\t' or '\r')
                {
                    pos++;
                }
                else if (ch == '\n')
                {
                    pos++;
                    Line++;
                    onlyWhitespaceSinceNewline = true;
                }
                else
                {
                    break;
                }
            }
            var c = Peek();
            if (c < 0) return;
            if (IsWhitespace((char)c))
            {
                Advance();
            }
            else if (c == ';')
            {
                SkipComment();
            }
            else if (c == '#' && PeekSecond() == '_')
            {
                var line = Line;
                Advance();
                Advance();
                SkipWhitespace();
                var next = Peek();
                if (next < 0) throw EndOfInput(line, "'#_' at the end of the input has no form to discard");
                if (next is ')' or ']' or '}') throw Error(line, $"'#_' has no form to discard before '{(char)next}'");
                ReadForm();
            }
            else
            {
                return;
            }
        }
    }

    private void SkipComment()
    {
        while (true)
        {
            while (pos < len && buf[pos] != '\n') pos++;
            if (pos < len || !Fill(1)) return;   // at the newline (left for the caller), or at the end
        }
    }

    // ---------------------------------------------------------------- forms

    /// <summary>Reads one form; the caller has skipped whitespace and is not at the end of the input.</summary>
    internal Value ReadForm()
    {
        var c = Peek();
        switch (c)
        {
            case < 0:
                throw EndOfInput(Line, "expected a value, found the end of the input");
            case '[':
                return ReadSequence(']', "vector");
            case '(':
                return ReadSequence(')', "list");
            case '{':
                NoteOpening();
                return ReadMap();
            case ')' or ']' or '}':
                throw Error(Line, $"unexpected '{(char)c}'");
            case '"':
                return ReadString();
            case ':':
                return ReadKeyword();
            case '\\':
                return ReadCharacter();
            case '#':
                return ReadDispatch();
            default:
                return ReadAtom();
        }
    }

    private void NoteOpening()
    {
        if (depth == WatchDepth && onlyWhitespaceSinceNewline && SwallowedLine == 0) SwallowedLine = Line;
    }

    private void Enter(int line)
    {
        if (++depth > MaxDepth) throw Error(line, $"values nested deeper than {MaxDepth} levels");
    }

    private Value ReadSequence(char close, string what)
    {
        var items = ReadItems(close, what, Line);
        return Value.List(items);
    }

    /// <summary>Reads items up to <paramref name="close"/>; the opening character has not been consumed yet.</summary>
    private ImmutableArray<Value> ReadItems(char close, string what, int openLine)
    {
        Advance();
        Enter(openLine);
        var start = stack.Count;
        while (true)
        {
            SkipWhitespace();
            var c = Peek();
            if (c < 0) throw EndOfInput(openLine, $"unterminated {what}: the input ends before its '{close}'");
            if (c == close)
            {
                Advance();
                break;
            }
            if (c is ')' or ']' or '}')
                throw Error(Line, $"unexpected '{(char)c}' in the {what} opened at line {openLine}, which ends with '{close}'");
            stack.Add(ReadForm());
        }
        depth--;
        var count = stack.Count - start;
        if (count == 0) return [];
        var items = new Value[count];
        stack.CopyTo(start, items, 0, count);
        stack.RemoveRange(start, count);
        return ImmutableCollectionsMarshal.AsImmutableArray(items);
    }

    private Value ReadMap()
    {
        var openLine = Line;
        Advance();
        Enter(openLine);
        var start = stack.Count;
        while (true)
        {
            SkipWhitespace();
            var c = Peek();
            if (c < 0) throw EndOfInput(openLine, "unterminated map: the input ends before its '}'");
            if (c == '}')
            {
                Advance();
                break;
            }
            if (c is ')' or ']')
                throw Error(Line, $"unexpected '{(char)c}' in the map opened at line {openLine}, which ends with '}}'");
            stack.Add(ReadForm());
        }
        depth--;
        var count = stack.Count - start;
        if (count % 2 != 0) throw Error(openLine, $"map has odd number of forms ({count}): a key without a value");
        if (count == 0) return EmptyMap;
        var entries = new KeyValuePair<Value, Value>[count / 2];
        for (var i = 0; i < entries.Length; i++)
            entries[i] = new(stack[start + 2 * i], stack[start + 2 * i + 1]);
        stack.RemoveRange(start, count);
        return Value.Map(ImmutableCollectionsMarshal.AsImmutableArray(entries));
    }

    private static readonly Value EmptyMap = Value.Map([]);
    private static readonly Value EmptyString = Value.Of("");

    private Value ReadString()
    {
        var openLine = Line;
        Advance();
        tokLen = 0;
        while (true)
        {
            if (pos >= len && !Fill(1)) throw EndOfInput(openLine, "unterminated string: the input ends before its closing '\"'");
            var start = pos;
            while (pos < len)
            {
                var ch = buf[pos];
                if (ch is '"' or '\\') break;
                if (ch == '\n') Line++;
                pos++;
            }
            AppendToken(buf.AsSpan(start, pos - start));
            if (pos >= len) continue;
            var c = buf[pos++];
            if (c == '"') break;
            if (pos >= len && !Fill(1)) throw EndOfInput(openLine, "unterminated string: the input ends inside an escape");
            var e = buf[pos++];
            switch (e)
            {
                case 'n': AppendChar('\n'); break;
                case 't': AppendChar('\t'); break;
                case 'r': AppendChar('\r'); break;
                case '"': AppendChar('"'); break;
                case '\\': AppendChar('\\'); break;
                case 'b': AppendChar('\b'); break;
                case 'f': AppendChar('\f'); break;
                case '\'': AppendChar('\''); break;
                case 'u':
                    if (!Fill(4)) throw EndOfInput(openLine, "unterminated string: the input ends inside a \\u escape");
                    if (!ushort.TryParse(buf.AsSpan(pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        throw Error(Line, $"bad escape '\\u{new string(buf, pos, 4)}' in a string: expected 4 hex digits");
                    pos += 4;
                    AppendChar((char)code);
                    break;
                case >= '0' and <= '7':
                    var octal = e - '0';
                    for (var n = 0; n < 2 && (pos < len || Fill(1)) && buf[pos] is >= '0' and <= '7'; n++)
                        octal = octal * 8 + (buf[pos++] - '0');
                    if (octal > 255) throw Error(Line, "bad octal escape in a string: above \\377");
                    AppendChar((char)octal);
                    break;
                default:
                    if (e == '\n') Line++;
                    throw Error(Line, $"unknown escape '\\{e}' in a string");
            }
        }
        onlyWhitespaceSinceNewline = false;
        return tokLen == 0 ? EmptyString : Value.Of(new string(tok, 0, tokLen));
    }

    private Value ReadKeyword()
    {
        var line = Line;
        Advance();
        var name = ReadToken();
        if (name.IsEmpty) throw Error(line, "a ':' with no keyword name after it");
        return keywords.Get(name);
    }

    private Value ReadCharacter()
    {
        var line = Line;
        Advance();
        var first = Peek();
        if (first < 0) throw EndOfInput(line, "a '\\' at the end of the input: expected a character");
        if (IsWhitespace((char)first)) throw Error(line, "a '\\' followed by whitespace: expected a character");
        Advance();
        var rest = ReadToken();
        if (rest.IsEmpty) return Value.Of(((char)first).ToString());
        Span<char> one = [(char)first];
        var name = string.Concat(one, rest);
        switch (name)
        {
            case "newline": return Value.Of("\n");
            case "space": return Value.Of(" ");
            case "tab": return Value.Of("\t");
            case "return": return Value.Of("\r");
            case "backspace": return Value.Of("\b");
            case "formfeed": return Value.Of("\f");
        }
        if (name.Length == 5 && name[0] == 'u'
            && ushort.TryParse(name.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            return Value.Of(((char)code).ToString());
        if (name.Length is >= 2 and <= 4 && name[0] == 'o' && name.AsSpan(1).IndexOfAnyExceptInRange('0', '7') < 0)
        {
            var octal = 0;
            foreach (var d in name.AsSpan(1)) octal = octal * 8 + (d - '0');
            if (octal <= 255) return Value.Of(((char)octal).ToString());
        }
        throw Error(line, $"unknown character literal '\\{name}'");
    }

    private Value ReadDispatch()
    {
        var line = Line;
        var atLineStart = onlyWhitespaceSinceNewline;
        Advance();
        var c = Peek();
        if (c < 0) throw EndOfInput(line, "a '#' at the end of the input");
        switch (c)
        {
            case '{':
                return Value.Set(ReadItems('}', "set", line));
            case '_':
                Advance();
                SkipWhitespace();
                if (Peek() < 0) throw EndOfInput(line, "'#_' at the end of the input has no form to discard");
                ReadForm();
                SkipWhitespace();
                return ReadForm();
            case '#':
                Advance();
                var symbolic = ReadToken();
                if (symbolic.SequenceEqual("Inf")) return Value.Of(double.PositiveInfinity);
                if (symbolic.SequenceEqual("-Inf")) return Value.Of(double.NegativeInfinity);
                if (symbolic.SequenceEqual("NaN")) return Value.Of(double.NaN);
                throw Error(line, $"unknown symbolic value '##{symbolic}': expected ##Inf, ##-Inf or ##NaN");
            case '"':
                throw Error(line, "regular expressions (#\"...\") are not EDN");
        }
        if (!char.IsLetter((char)c))
            throw Error(line, $"unsupported reader form '#{(char)c}': expected a tag, '#{{' (a set) or '#_' (a discard)");
        if (depth == WatchDepth && atLineStart && SwallowedLine == 0) SwallowedLine = line;
        var tag = ReadToken().ToString();
        SkipWhitespace();
        var next = Peek();
        if (next < 0) throw EndOfInput(line, $"the tag #{tag} at the end of the input has no value");
        if (next is ')' or ']' or '}') throw Error(line, $"the tag #{tag} has no value before '{(char)next}'");
        return ReadForm();
    }

    private Value ReadAtom()
    {
        var line = Line;
        var token = ReadToken();
        if (token.IsEmpty)
        {
            var c = (char)Peek();
            throw Error(line, $"unexpected character '{c}' (U+{(int)c:X4})");
        }
        var first = token[0];
        if (char.IsAsciiDigit(first) || (token.Length > 1 && first is '+' or '-' && char.IsAsciiDigit(token[1])))
            return ParseNumber(token, line);
        if (token.SequenceEqual("nil")) return Value.Nil;
        if (token.SequenceEqual("true")) return Value.True;
        if (token.SequenceEqual("false")) return Value.False;
        return Value.Of(token.ToString());   // a symbol
    }

    private Value ParseNumber(ReadOnlySpan<char> token, int line)
    {
        var last = token[^1];
        if (last == 'N')
        {
            var digits = token[..^1];
            if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)) return Value.Of(big);
            throw Error(line, IsInteger(digits) ? $"integer {token} is out of range (64 bits)" : $"invalid number '{token}'");
        }
        if (last == 'M')
        {
            if (double.TryParse(token[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var dec)) return Value.Of(dec);
            throw Error(line, $"invalid number '{token}'");
        }
        if (token.IndexOfAny('.', 'e', 'E') >= 0)
        {
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return Value.Of(d);
            throw Error(line, $"invalid number '{token}'");
        }
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return Value.Of(n);
        var slash = token.IndexOf('/');
        if (slash > 0
            && long.TryParse(token[..slash], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var numerator)
            && long.TryParse(token[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var denominator)
            && denominator != 0)
            return Value.Of((double)numerator / denominator);
        var unsigned = token[0] is '+' or '-' ? token[1..] : token;
        if (unsigned.Length > 2 && unsigned[0] == '0' && unsigned[1] is 'x' or 'X'
            && long.TryParse(unsigned[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0)
            return Value.Of(token[0] == '-' ? -hex : hex);
        throw Error(line, IsInteger(token) ? $"integer {token} is out of range (64 bits)" : $"invalid number '{token}'");
    }

    private static bool IsInteger(ReadOnlySpan<char> s)
    {
        if (s.Length > 0 && s[0] is '+' or '-') s = s[1..];
        return s.Length > 0 && s.IndexOfAnyExceptInRange('0', '9') < 0;
    }

    /// <summary>
    /// Reads token characters from the current position. The span is only valid until the next read.
    /// </summary>
    private ReadOnlySpan<char> ReadToken()
    {
        var start = pos;
        while (pos < len && IsTokenChar(buf[pos])) pos++;
        if (pos < len || readerDone || reader is null)
        {
            if (pos > start) onlyWhitespaceSinceNewline = false;
            return buf.AsSpan(start, pos - start);   // the whole token is in the buffer
        }
        tokLen = 0;
        AppendToken(buf.AsSpan(start, pos - start));
        while (Fill(1))
        {
            start = pos;
            while (pos < len && IsTokenChar(buf[pos])) pos++;
            AppendToken(buf.AsSpan(start, pos - start));
            if (pos < len) break;
        }
        if (tokLen > 0) onlyWhitespaceSinceNewline = false;
        return tok.AsSpan(0, tokLen);
    }

    private void AppendToken(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return;
        if (tokLen + chars.Length > tok.Length) Array.Resize(ref tok, Math.Max(tok.Length * 2, tokLen + chars.Length));
        chars.CopyTo(tok.AsSpan(tokLen));
        tokLen += chars.Length;
    }

    private void AppendChar(char c)
    {
        if (tokLen == tok.Length) Array.Resize(ref tok, tok.Length * 2);
        tok[tokLen++] = c;
    }

    private string DescribeNext()
    {
        var c = Peek();
        return c < 0 ? "end of input" : $"'{(char)c}'";
    }

    private HistoryFormatException Error(int line, string message) => new(Source, line, null, message);

    private HistoryFormatException EndOfInput(int line, string message)
    {
        FailedAtEndOfInput = true;
        return new HistoryFormatException(Source, line, null, message);
    }
}

/// <summary>
/// Keyword values by name, so that the thousands of <c>:type</c>, <c>:invoke</c> and <c>:f</c> of a
/// history share one instance each. Bounded: past the limit, keywords are created but not kept.
/// </summary>
internal sealed class KeywordTable
{
    private const int Limit = 4096;
    private readonly Dictionary<string, Value> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public KeywordTable() => lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();

    public Value Get(ReadOnlySpan<char> name)
    {
        if (lookup.TryGetValue(name, out var keyword)) return keyword;
        var text = name.ToString();
        keyword = Value.Keyword(text);
        if (byName.Count < Limit) byName[text] = keyword;
        return keyword;
    }
}
