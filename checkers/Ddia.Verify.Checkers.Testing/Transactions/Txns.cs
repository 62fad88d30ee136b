using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing.Transactions;

/// <summary>
/// A small language for hand-written transactional histories (Elle's list-append and rw-register
/// encodings), one transaction (invocation and completion) per entry:
/// <code>
/// Txns.Parse("p0 ax1 ay1 [0,10] | p1 rx[1] ry[] [5,20] | p2 ax2 [6,8]:fail")
/// </code>
/// reads as: process 0 appends 1 to x and 1 to y, invoked at time 0 and completed ok at 10; process 1
/// reads x = [1] and y = [], from 5 to 20; process 2 tries to append 2 to x and fails.
/// <para>Grammar (entries are separated by <c>|</c>):</para>
/// <code>
/// entry := 'p' INT mop+ '[' INT ',' (INT | '_') ']' [':ok' | ':fail' | ':info']   (':ok' is the default)
/// mop   := 'a' KEY VALUE                  ["append", k, v]
///        | 'w' KEY VALUE                  ["w", k, v]
///        | 'r' KEY                        ["r", k, nil]           (nothing read, or a read as invoked)
///        | 'r' KEY '[' [INT (',' INT)*] ']'  ["r", k, [v1 v2 …]] (list-append read)
///        | 'r' KEY '=' (INT | '_')        ["r", k, v] or ["r", k, nil] (rw-register read)
/// KEY   := a lowercase letter other than 'k'  → the string "x"
///        | 'k' DIGITS                     → the integer key (for generated histories)
/// VALUE := INT after a letter key (ax1), '.' INT after an integer key (ak12.3)
/// </code>
/// <para>
/// Every op has f <c>"txn"</c>. An ok entry's completion carries the micro-ops with their read results,
/// and its invocation the same micro-ops with nil reads, as real clients record them. A fail or info
/// entry names no read results, and its completion repeats the invocation. <c>[t,_]</c> never completes
/// (it counts as info). Times only order the events, exactly as in <see cref="Ops.Parse"/>: by time, an
/// invocation before a completion at the same time, then in the order the entries are written. Op.Time is
/// the given time and Op.Index the position.
/// </para>
/// </summary>
public static class Txns
{
    public const string F = "txn";

    internal static readonly Value AppendName = Value.Of("append");
    internal static readonly Value ReadName = Value.Of("r");
    internal static readonly Value WriteName = Value.Of("w");

    private sealed record Entry(int Number, int Process, Value Invoked, Value Completed, OpType Outcome, long Start, long? End);

    /// <summary>Parses entries into a history; throws <see cref="FormatException"/> naming the entry (and token) at fault.</summary>
    public static HistoryList Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
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
                ? new Op(i, time, OpType.Invoke, e.Process, F, e.Invoked)
                : new Op(i, time, e.Outcome, e.Process, F, e.Completed);
        }
        return new HistoryList(ops);

        static Entry ParseEntry(string entry, int number)
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
        if (space < 0) throw new FormatException("expected 'p<process> <mop>… [<start>,<end>]'");
        var process = checked((int)ParseLong(entry[1..space], "process"));

        var open = entry.LastIndexOf('[');
        var close = entry.LastIndexOf(']');
        if (open <= space || close < open) throw new FormatException("expected an interval '[<start>,<end>]' last");
        var times = entry[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries);
        if (times.Length != 2) throw new FormatException($"token '{entry[open..(close + 1)]}': an interval is '[<start>,<end>]'");
        var start = ParseLong(times[0], "start time");
        long? end = times[1] == "_" ? null : ParseLong(times[1], "end time");
        if (end < start) throw new FormatException($"token '{entry[open..(close + 1)]}': the interval ends before it starts");

        var suffix = entry[(close + 1)..].Trim();
        OpType outcome = suffix switch
        {
            "" => end is null ? OpType.Info : OpType.Ok,
            ":ok" => OpType.Ok,
            ":fail" => OpType.Fail,
            ":info" => OpType.Info,
            _ => throw new FormatException($"token '{suffix}': an outcome is ':ok', ':fail' or ':info'"),
        };
        if (end is null && outcome != OpType.Info) throw new FormatException("a txn that never completes ('_') can only be :info");

        var tokens = entry[(space + 1)..open].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0) throw new FormatException("a txn needs at least one micro-op");
        var invoked = new Value[tokens.Length];
        var completed = new Value[tokens.Length];
        var anyRead = false;
        for (var i = 0; i < tokens.Length; i++)
        {
            try
            {
                var (inv, done) = ParseMop(tokens[i]);
                if (outcome != OpType.Ok && !ReferenceEquals(inv, done) && !done.Items[2].IsNil)
                    throw new FormatException("a fail or info txn has no read results");
                anyRead |= !ReferenceEquals(inv, done);
                invoked[i] = inv;
                completed[i] = done;
            }
            catch (FormatException ex)
            {
                throw new FormatException($"token '{tokens[i]}': {ex.Message}", ex);
            }
        }
        var invokedValue = Value.List(invoked);
        var completedValue = outcome == OpType.Ok && anyRead ? Value.List(completed) : invokedValue;
        return new Entry(number, process, invokedValue, completedValue, outcome, start, end);
    }

    /// <summary>A micro-op as invoked and as completed (the same object unless it is a read).</summary>
    private static (Value Invoked, Value Completed) ParseMop(string token)
    {
        if (token.Length < 2) throw new FormatException("a micro-op is a kind ('a', 'w' or 'r') and a key");
        var kind = token[0];
        if (kind is not ('a' or 'w' or 'r')) throw new FormatException($"unknown micro-op '{kind}': expected 'a', 'w' or 'r'");
        Value key;
        int at;
        var intKey = false;
        if (token[1] == 'k')
        {
            at = 2;
            while (at < token.Length && char.IsAsciiDigit(token[at])) at++;
            if (at == 2) throw new FormatException("key 'k' must be followed by digits (integer key)");
            key = Value.Of(ParseLong(token[2..at], "key"));
            intKey = true;
        }
        else if (char.IsAsciiLetterLower(token[1]))
        {
            key = Value.Of(token[1].ToString());
            at = 2;
        }
        else
        {
            throw new FormatException($"key '{token[1]}' is neither a lowercase letter nor 'k<digits>'");
        }
        var rest = token[at..];

        if (kind != 'r')
        {
            if (intKey)
            {
                if (!rest.StartsWith('.')) throw new FormatException("after an integer key the value follows a '.', as in 'ak12.3'");
                rest = rest[1..];
            }
            var mop = Value.List(kind == 'a' ? AppendName : WriteName, key, Value.Of(ParseLong(rest, "value")));
            return (mop, mop);
        }

        var asInvoked = Value.List(ReadName, key, Value.Nil);
        if (rest.Length == 0) return (asInvoked, Value.List(ReadName, key, Value.Nil));
        if (rest[0] == '=')
        {
            var v = rest == "=_" ? Value.Nil : Value.Of(ParseLong(rest[1..], "read value"));
            return (asInvoked, Value.List(ReadName, key, v));
        }
        if (rest[0] != '[' || rest[^1] != ']') throw new FormatException($"unexpected '{rest}' after the key: a read is 'rx', 'rx[1,2]' or 'rx=3'");
        var inner = rest[1..^1];
        var items = inner.Length == 0
            ? ImmutableArray<Value>.Empty
            : [.. inner.Split(',').Select(s => Value.Of(ParseLong(s, "list element")))];
        return (asInvoked, Value.List(ReadName, key, Value.List(items)));
    }

    private static long ParseLong(string s, string what) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"{what} '{s}' is not an integer");

    /// <summary>
    /// Writes a history's client txns back in this language (one entry per txn, in invocation order, with
    /// each event's <see cref="Op.Time"/>), so that a failing generated history can be read, pasted into a
    /// test and parsed again to the same ops. Nemesis ops are left out. Micro-op names and letter keys may
    /// also be keywords (as in EDN files): they are written as text, so such a history parses back with
    /// strings in their place. Throws <see cref="ArgumentException"/>
    /// for a txn the language cannot say (another f, keys that are not a letter or a non-negative integer,
    /// an invocation that carries read results, a fail/info completion that differs from its invocation).
    /// </summary>
    public static string Format(HistoryList history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var sb = new StringBuilder();
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (!op.IsClient || !op.IsInvoke) continue;
            if (op.F != F) throw new ArgumentException($"position {i}: f '{op.F}' is not '{F}'", nameof(history));
            var c = history.CompletionOf(i);
            Op? completion = c < 0 ? null : history[c];
            var outcome = completion?.Type ?? OpType.Info;
            var mops = outcome == OpType.Ok ? completion!.Value.Value : op.Value;
            CheckInvocation(op.Value, mops, outcome == OpType.Ok, i);
            if (sb.Length > 0) sb.Append(" | ");
            sb.Append('p').Append(op.Process.ToString(CultureInfo.InvariantCulture));
            foreach (var mop in mops.Items)
            {
                sb.Append(' ');
                AppendMop(sb, mop, i);
            }
            sb.Append(" [").Append(op.Time.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(completion is { } done ? done.Time.ToString(CultureInfo.InvariantCulture) : "_").Append(']');
            if (outcome != OpType.Ok && completion is not null) sb.Append(':').Append(Op.TypeName(outcome));
        }
        return sb.ToString();
    }

    /// <summary>Checks that parsing the entry back gives this invocation: the mops with nil reads.</summary>
    private static void CheckInvocation(Value invoked, Value mops, bool ok, int position)
    {
        var a = invoked.Items;
        var b = mops.Items;
        var same = invoked.Kind == ValueKind.List && mops.Kind == ValueKind.List && a.Length == b.Length && a.Length > 0;
        for (var j = 0; same && j < a.Length; j++)
        {
            var m = b[j];
            var isRead = m.Items.Length == 3 && m.Items[0].AsText == "r";
            same = isRead && ok
                ? a[j].Items.Length == 3 && a[j].Items[0] == m.Items[0] && a[j].Items[1] == m.Items[1] && a[j].Items[2].IsNil
                : a[j] == m;
        }
        if (!same)
            throw new ArgumentException($"position {position}: the invocation {invoked} is not its txn's micro-ops with nil reads ({mops})", nameof(invoked));
    }

    private static void AppendMop(StringBuilder sb, Value mop, int position)
    {
        var items = mop.Items;
        if (mop.Kind != ValueKind.List || items.Length != 3)
            throw new ArgumentException($"position {position}: micro-op {mop} is not [f k v]", nameof(mop));
        var name = items[0].AsText;
        var kind = name switch
        {
            "append" => 'a',
            "w" => 'w',
            "r" => 'r',
            _ => throw new ArgumentException($"position {position}: micro-op {mop} is not append, w or r", nameof(mop)),
        };
        sb.Append(kind);
        var key = items[1];
        var intKey = false;
        if (key.AsText is { Length: 1 } letter && char.IsAsciiLetterLower(letter[0]) && letter[0] != 'k')
        {
            sb.Append(letter[0]);
        }
        else if (key.TryGetLong(out var k) && k >= 0)
        {
            sb.Append('k').Append(k.ToString(CultureInfo.InvariantCulture));
            intKey = true;
        }
        else
        {
            throw new ArgumentException($"position {position}: key {key} is neither a lowercase letter (not 'k') nor a non-negative integer", nameof(mop));
        }

        var v = items[2];
        if (kind != 'r')
        {
            if (!v.TryGetLong(out var n)) throw new ArgumentException($"position {position}: written value {v} is not an integer", nameof(mop));
            if (intKey) sb.Append('.');
            sb.Append(n.ToString(CultureInfo.InvariantCulture));
            return;
        }
        switch (v.Kind)
        {
            case ValueKind.Nil:
                return;
            case ValueKind.Int:
                sb.Append('=').Append(v.AsLong.ToString(CultureInfo.InvariantCulture));
                return;
            case ValueKind.List:
                sb.Append('[');
                for (var j = 0; j < v.Items.Length; j++)
                {
                    if (j > 0) sb.Append(',');
                    if (!v.Items[j].TryGetLong(out var e)) throw new ArgumentException($"position {position}: read element {v.Items[j]} is not an integer", nameof(mop));
                    sb.Append(e.ToString(CultureInfo.InvariantCulture));
                }
                sb.Append(']');
                return;
            default:
                throw new ArgumentException($"position {position}: read result {v} is not nil, an integer or a list", nameof(mop));
        }
    }
}
