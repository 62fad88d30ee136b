using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing;

/// <summary>
/// A small language for hand-written histories, one op (invocation and completion) per entry:
/// <code>
/// Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]")
/// </code>
/// reads as: process 0 writes 1, invoked at time 0 and completed ok at 10; and so on.
/// <para>Grammar (entries are separated by <c>|</c>):</para>
/// <code>
/// entry    := 'p' INT  op  '[' INT ',' (INT | '_') ']'
/// op       := ['k' KEY ':'] body [':ok' | ':fail' | ':info']      (':ok' is the default)
/// body     := 'r' INT | 'r_'                read returning INT, or nil
///           | 'w' INT                       write INT
///           | 'c' INT '>' INT               cas [from to]
///           | NAME ['(' value ')'] ['->' value]
///                                           any other f: invoked with the value in parentheses (nil if
///                                           none); completed with the value after '->' (else the invoked one)
/// value    := INT | '_' | 'nil' | 'true' | 'false' | '"text"' | ':keyword' | word
///           | '[' value* ']' | '#{' value* '}'                    (a bare word is a string)
/// </code>
/// Examples: <c>p1 c1>2:fail [5,8]</c>, <c>p2 w3:info [4,_]</c> (never completes), <c>p0 k1:r_ [0,1]</c>,
/// <c>p0 acquire [0,1]</c>, <c>p0 dequeue->3 [0,1]</c>, <c>p0 kx:append("ab") [0,1]</c>,
/// <c>p0 txn([[r x _] [w y 1]])->[[r x 2] [w y 1]] [0,1]</c>.
/// <para>
/// Times only order the events: the history is every invocation and completion sorted by time, an
/// invocation before a completion at the same time (intervals are closed, so ops that touch overlap),
/// then in the order the entries are written. <c>[t,_]</c> means the op never completes (it counts
/// as info); <c>:info [t1,t2]</c> writes an info completion at t2. Op.Time is the given time and
/// Op.Index the position. Values are <see cref="Value.Of(long)"/> for integers.
/// </para>
/// </summary>
public static class Ops
{
    private sealed record Entry(int Number, int Process, string F, Value? Key, Value Invoked, Value Completed, OpType Outcome,
        long Start, long? End);

    /// <summary>Parses entries into a history; throws <see cref="FormatException"/> naming the entry at fault.</summary>
    public static HistoryList Parse(string text)
    {
        var entries = text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(ParseEntry)
            .ToList();
        var ordered = EventOrder.Of([.. entries.Select(e => (e.Start, e.End))]);
        var ops = new Op[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            var (time, completion, number) = ordered[i];
            var e = entries[number];
            ops[i] = !completion
                ? new Op(i, time, OpType.Invoke, e.Process, e.F, e.Invoked, e.Key)
                : new Op(i, time, e.Outcome, e.Process, e.F, e.Completed, e.Key);
        }
        return new HistoryList(ops);

        Entry ParseEntry(string entry, int number)
        {
            try
            {
                return ParseEntryText(entry, number);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"entry {number} '{entry}': {ex.Message}", ex);
            }
        }
    }

    private static Entry ParseEntryText(string entry, int number)
    {
        if (entry.Length < 2 || entry[0] != 'p') throw new FormatException("expected 'p<process>' first");
        var space = entry.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0) throw new FormatException("expected 'p<process> <op> [<start>,<end>]'");
        var process = ParseLong(entry[1..space], "process");

        var open = entry.LastIndexOf('[');
        if (open <= space || entry[^1] != ']') throw new FormatException("expected an interval '[<start>,<end>]' last");
        var times = entry[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries);
        if (times.Length != 2) throw new FormatException("an interval is '[<start>,<end>]'");
        var start = ParseLong(times[0], "start time");
        long? end = times[1] == "_" ? null : ParseLong(times[1], "end time");
        if (end < start) throw new FormatException("the interval ends before it starts");

        var op = entry[(space + 1)..open].Trim();
        OpType? outcome = null;
        foreach (var (suffix, type) in new[] { (":ok", OpType.Ok), (":fail", OpType.Fail), (":info", OpType.Info) })
        {
            if (!op.EndsWith(suffix, StringComparison.Ordinal)) continue;
            outcome = type;
            op = op[..^suffix.Length];
            break;
        }
        if (end is null && outcome is OpType.Ok or OpType.Fail)
            throw new FormatException("an op that never completes ('_') can only be :info");
        outcome ??= end is null ? OpType.Info : OpType.Ok;

        Value? key = null;
        if (op.StartsWith('k'))
        {
            var reader = new ValueReader(op, 1);
            key = reader.Read();
            if (reader.Position >= op.Length || op[reader.Position] != ':') throw new FormatException("a key prefix is 'k<key>:'");
            op = op[(reader.Position + 1)..];
        }

        var (f, invoked, completed) = ParseBody(op);
        return new Entry(number, checked((int)process), f, key, invoked, completed, outcome.Value, start, end);
    }

    private static (string F, Value Invoked, Value Completed) ParseBody(string body)
    {
        if (body.Length >= 2 && body[0] == 'r' && (body == "r_" || IsInteger(body.AsSpan(1))))
            return ("read", Value.Nil, body == "r_" ? Value.Nil : Value.Of(ParseLong(body[1..], "read value")));
        if (body.Length >= 2 && body[0] == 'w' && IsInteger(body.AsSpan(1)))
        {
            var v = Value.Of(ParseLong(body[1..], "written value"));
            return ("write", v, v);
        }
        var gt = body.IndexOf('>', StringComparison.Ordinal);
        if (body.Length >= 4 && body[0] == 'c' && gt > 1 && IsInteger(body.AsSpan(1, gt - 1)) && IsInteger(body.AsSpan(gt + 1)))
        {
            var pair = Value.List(Value.Of(ParseLong(body[1..gt], "cas from")), Value.Of(ParseLong(body[(gt + 1)..], "cas to")));
            return ("cas", pair, pair);
        }

        var at = 0;
        while (at < body.Length && (char.IsAsciiLetterOrDigit(body[at]) || body[at] == '_' || (body[at] == '-' && !body.AsSpan(at).StartsWith("->"))))
            at++;
        if (at == 0) throw new FormatException($"cannot read op '{body}'");
        var f = body[..at];
        var invoked = Value.Nil;
        if (at < body.Length && body[at] == '(')
        {
            var reader = new ValueReader(body, at + 1);
            invoked = reader.Read();
            reader.SkipSpaces();
            if (reader.Position >= body.Length || body[reader.Position] != ')') throw new FormatException("expected ')' after the value");
            at = reader.Position + 1;
        }
        var completed = invoked;
        if (at < body.Length)
        {
            if (string.CompareOrdinal(body, at, "->", 0, 2) != 0) throw new FormatException($"unexpected '{body[at..]}'");
            var reader = new ValueReader(body, at + 2);
            completed = reader.Read();
            reader.SkipSpaces();
            if (reader.Position != body.Length) throw new FormatException($"unexpected '{body[reader.Position..]}'");
        }
        return (f, invoked, completed);
    }

    private static bool IsInteger(ReadOnlySpan<char> s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static long ParseLong(string s, string what) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"{what} '{s}' is not an integer");

    /// <summary>Reads one value of the grammar above from a position of a string.</summary>
    private sealed class ValueReader(string text, int position)
    {
        public int Position { get; private set; } = position;

        public void SkipSpaces()
        {
            while (Position < text.Length && text[Position] == ' ') Position++;
        }

        public Value Read()
        {
            SkipSpaces();
            if (Position >= text.Length) throw new FormatException("expected a value");
            var c = text[Position];
            if (c == '[') return Value.List(ReadItems(']'));
            if (c == '#' && Position + 1 < text.Length && text[Position + 1] == '{')
            {
                Position++;
                return Value.Set(ReadItems('}'));
            }
            if (c == '"') return Value.Of(ReadString());
            if (c == ':')
            {
                Position++;
                return Value.Keyword(ReadWord());
            }
            var word = ReadWord();
            if (long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return Value.Of(n);
            return word switch
            {
                "_" or "nil" => Value.Nil,
                "true" => Value.True,
                "false" => Value.False,
                _ => Value.Of(word),
            };
        }

        private ImmutableArray<Value> ReadItems(char close)
        {
            Position++;
            var items = ImmutableArray.CreateBuilder<Value>();
            while (true)
            {
                SkipSpaces();
                if (Position >= text.Length) throw new FormatException($"expected '{close}'");
                if (text[Position] == close)
                {
                    Position++;
                    return items.ToImmutable();
                }
                items.Add(Read());
            }
        }

        private string ReadString()
        {
            var sb = new StringBuilder();
            Position++;
            while (Position < text.Length && text[Position] != '"')
            {
                if (text[Position] == '\\' && Position + 1 < text.Length) Position++;
                sb.Append(text[Position++]);
            }
            if (Position >= text.Length) throw new FormatException("unterminated string");
            Position++;
            return sb.ToString();
        }

        private string ReadWord()
        {
            var from = Position;
            while (Position < text.Length && (char.IsAsciiLetterOrDigit(text[Position]) || text[Position] is '-' or '_' or '.' or '/')) Position++;
            if (Position == from) throw new FormatException($"unexpected '{text[from]}'");
            return text[from..Position];
        }
    }

    /// <summary>
    /// Writes a history's client ops back in this language (one entry per op, in invocation order,
    /// with each event's <see cref="Op.Time"/>), so that a failing generated history can be read,
    /// pasted into a test and parsed again. Nemesis ops are left out.
    /// </summary>
    public static string Format(HistoryList history)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (!op.IsClient || !op.IsInvoke) continue;
            var c = history.CompletionOf(i);
            Op? completion = c < 0 ? null : history[c];
            if (sb.Length > 0) sb.Append(" | ");
            sb.Append('p').Append(op.Process.ToString(CultureInfo.InvariantCulture)).Append(' ');
            if (op.Key is { } key) sb.Append('k').Append(key).Append(':');
            sb.Append(Body(op, completion));
            var outcome = completion?.Type ?? OpType.Info;
            if (outcome != OpType.Ok) sb.Append(':').Append(Op.TypeName(outcome));
            sb.Append(" [").Append(op.Time.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(completion is { } done ? done.Time.ToString(CultureInfo.InvariantCulture) : "_").Append(']');
        }
        return sb.ToString();
    }

    private static string Body(Op invocation, Op? completion)
    {
        var invoked = invocation.Value;
        var completed = completion?.Value ?? invoked;
        switch (invocation.F)
        {
            case "read" when invoked.IsNil && (completed.IsNil || completed.Kind == ValueKind.Int):
                return completed.IsNil ? "r_" : "r" + completed;
            case "write" when invoked.Kind == ValueKind.Int && completed == invoked:
                return "w" + invoked;
            case "cas" when completed == invoked && invoked.Kind == ValueKind.List && invoked.Items.Length == 2
                            && invoked.Items.All(v => v.Kind == ValueKind.Int):
                return $"c{invoked.Items[0]}>{invoked.Items[1]}";
        }
        var text = invocation.F;
        if (!invoked.IsNil) text += $"({invoked})";
        if (completed != invoked) text += $"->{completed}";
        return text;
    }
}
