using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Ddia.Verify.History;

public enum ValueKind : byte { Nil, Bool, Int, Float, String, Keyword, List, Set, Map }

/// <summary>
/// A dynamically typed value as histories carry them (EDN and JSON alike): nil, booleans, integers,
/// floats, strings, keywords, sequences, sets and maps. Equality is structural, so values can key
/// dictionaries and be compared by checkers. Immutable.
/// </summary>
public abstract class Value : IEquatable<Value>
{
    private protected Value() { }

    public abstract ValueKind Kind { get; }

    public static Value Nil { get; } = new NilValue();
    public static Value True { get; } = new BoolValue(true);
    public static Value False { get; } = new BoolValue(false);

    private static readonly IntValue[] SmallInts = Enumerable.Range(-16, 1040).Select(i => new IntValue(i)).ToArray();

    public static Value Of(long n) => n is >= -16 and < 1024 ? SmallInts[n + 16] : new IntValue(n);
    public static Value Of(bool b) => b ? True : False;
    public static Value Of(double d) => new FloatValue(d);
    public static Value Of(string s) => new StringValue(s);
    public static Value Keyword(string name) => new KeywordValue(name);
    public static Value List(ImmutableArray<Value> items) => new ListValue(items);
    public static Value List(params Value[] items) => new ListValue([.. items]);
    public static Value Set(ImmutableArray<Value> items) => new SetValue(items);
    public static Value Map(ImmutableArray<KeyValuePair<Value, Value>> entries) => new MapValue(entries);

    public bool IsNil => Kind == ValueKind.Nil;

    /// <summary>The integer, or throws: use after checking <see cref="Kind"/>.</summary>
    public long AsLong => this is IntValue i ? i.Number : throw new InvalidCastException($"{this} is not an integer");

    /// <summary>The text of a string or keyword (without the colon).</summary>
    public string? AsText => this switch { StringValue s => s.Text, KeywordValue k => k.Name, _ => null };

    /// <summary>The items of a list or set; empty for any other value.</summary>
    public virtual ImmutableArray<Value> Items => [];

    /// <summary>The entries of a map; empty for any other value.</summary>
    public virtual ImmutableArray<KeyValuePair<Value, Value>> Entries => [];

    public bool TryGetLong(out long n)
    {
        if (this is IntValue i) { n = i.Number; return true; }
        n = 0;
        return false;
    }

    /// <summary>Looks a key up in a map, matching keywords and strings by name.</summary>
    public Value? Get(string key)
    {
        foreach (var (k, v) in Entries)
            if (k.AsText == key) return v;
        return null;
    }

    public abstract bool Equals(Value? other);
    public override bool Equals(object? obj) => obj is Value v && Equals(v);
    public abstract override int GetHashCode();
    public static bool operator ==(Value? a, Value? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Value? a, Value? b) => !(a == b);

    /// <summary>EDN text of the value: readable by Jepsen, and short enough for messages.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        WriteEdn(sb);
        return sb.ToString();
    }

    public abstract void WriteEdn(StringBuilder sb);

    private sealed class NilValue : Value
    {
        public override ValueKind Kind => ValueKind.Nil;
        public override bool Equals(Value? other) => other is NilValue;
        public override int GetHashCode() => 0x5eed;
        public override void WriteEdn(StringBuilder sb) => sb.Append("nil");
    }

    private sealed class BoolValue(bool b) : Value
    {
        public bool Flag { get; } = b;
        public override ValueKind Kind => ValueKind.Bool;
        public override bool Equals(Value? other) => other is BoolValue o && o.Flag == Flag;
        public override int GetHashCode() => Flag ? 1231 : 1237;
        public override void WriteEdn(StringBuilder sb) => sb.Append(Flag ? "true" : "false");
    }

    private sealed class IntValue(long n) : Value
    {
        public long Number { get; } = n;
        public override ValueKind Kind => ValueKind.Int;
        public override bool Equals(Value? other) => other is IntValue o && o.Number == Number;
        public override int GetHashCode() => Number.GetHashCode();
        public override void WriteEdn(StringBuilder sb) => sb.Append(Number.ToString(CultureInfo.InvariantCulture));
    }

    private sealed class FloatValue(double d) : Value
    {
        public double Number { get; } = d;
        public override ValueKind Kind => ValueKind.Float;
        public override bool Equals(Value? other) => other is FloatValue o && o.Number.Equals(Number);
        public override int GetHashCode() => Number.GetHashCode();
        public override void WriteEdn(StringBuilder sb)
        {
            var text = Number.ToString("R", CultureInfo.InvariantCulture);
            sb.Append(text);
            if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.Ordinal)) sb.Append(".0");
        }
    }

    private sealed class StringValue(string s) : Value
    {
        public string Text { get; } = s;
        public override ValueKind Kind => ValueKind.String;
        public override bool Equals(Value? other) => other is StringValue o && o.Text == Text;
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);
        public override void WriteEdn(StringBuilder sb)
        {
            sb.Append('"');
            foreach (var c in Text)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default: sb.Append(c); break;
                }
            }
            sb.Append('"');
        }
    }

    private sealed class KeywordValue(string name) : Value
    {
        public string Name { get; } = name;
        public override ValueKind Kind => ValueKind.Keyword;
        public override bool Equals(Value? other) => other is KeywordValue o && o.Name == Name;
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name) ^ 0x4b57;
        public override void WriteEdn(StringBuilder sb) => sb.Append(':').Append(Name);
    }

    private sealed class ListValue(ImmutableArray<Value> items) : Value
    {
        public override ValueKind Kind => ValueKind.List;
        public override ImmutableArray<Value> Items { get; } = items;
        public override bool Equals(Value? other) => other is ListValue o && Items.AsSpan().SequenceEqual(o.Items.AsSpan());
        public override int GetHashCode()
        {
            var h = new HashCode();
            foreach (var v in Items) h.Add(v);
            return h.ToHashCode();
        }
        public override void WriteEdn(StringBuilder sb) => WriteItems(sb, "[", Items, "]");
    }

    private sealed class SetValue(ImmutableArray<Value> items) : Value
    {
        public override ValueKind Kind => ValueKind.Set;
        public override ImmutableArray<Value> Items { get; } = items;
        public override bool Equals(Value? other) =>
            other is SetValue o && o.Items.Length == Items.Length && Items.All(o.Items.Contains);
        public override int GetHashCode() => Items.Aggregate(0x5e7, (h, v) => h ^ v.GetHashCode());
        public override void WriteEdn(StringBuilder sb) => WriteItems(sb, "#{", Items, "}");
    }

    private sealed class MapValue(ImmutableArray<KeyValuePair<Value, Value>> entries) : Value
    {
        public override ValueKind Kind => ValueKind.Map;
        public override ImmutableArray<KeyValuePair<Value, Value>> Entries { get; } = entries;
        public override bool Equals(Value? other)
        {
            if (other is not MapValue o || o.Entries.Length != Entries.Length) return false;
            foreach (var (k, v) in Entries)
                if (!o.Entries.Any(e => e.Key.Equals(k) && e.Value.Equals(v))) return false;
            return true;
        }
        public override int GetHashCode() =>
            Entries.Aggregate(0x3a9, (h, e) => h ^ HashCode.Combine(e.Key, e.Value));
        public override void WriteEdn(StringBuilder sb)
        {
            sb.Append('{');
            for (var i = 0; i < Entries.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                Entries[i].Key.WriteEdn(sb);
                sb.Append(' ');
                Entries[i].Value.WriteEdn(sb);
            }
            sb.Append('}');
        }
    }

    private static void WriteItems(StringBuilder sb, string open, ImmutableArray<Value> items, string close)
    {
        sb.Append(open);
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            items[i].WriteEdn(sb);
        }
        sb.Append(close);
    }
}
