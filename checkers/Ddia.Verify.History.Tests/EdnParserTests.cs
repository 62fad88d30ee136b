using System.Collections.Immutable;
using System.Text;
using CsCheck;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.History.Tests;

public class EdnParserTests
{
    private static Value Parse(string text) => EdnParser.ParseOne(text, "t.edn");

    private static Value Kw(string name) => Value.Keyword(name);

    private static Value Str(string text) => Value.Of(text);

    private static Value Map(params (Value Key, Value Value)[] entries) =>
        Value.Map([.. entries.Select(e => new KeyValuePair<Value, Value>(e.Key, e.Value))]);

    private static HistoryFormatException Fails(string text) =>
        Assert.Throws<HistoryFormatException>(() => EdnParser.ParseOne(text, "t.edn"));

    [Theory]
    [InlineData("nil")]
    [InlineData("  nil  ")]
    [InlineData(";; a comment\nnil")]
    public void Nil(string text) => Assert.Equal(Value.Nil, Parse(text));

    [Fact]
    public void Booleans()
    {
        Assert.Equal(Value.True, Parse("true"));
        Assert.Equal(Value.False, Parse("false"));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("-17", -17L)]
    [InlineData("+5", 5L)]
    [InlineData("12N", 12L)]
    [InlineData("-12N", -12L)]
    [InlineData("1523000000000", 1523000000000L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("0x1F", 31L)]
    public void Integers(string text, long expected) => Assert.Equal(Value.Of(expected), Parse(text));

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-2.25", -2.25)]
    [InlineData("1e3", 1000.0)]
    [InlineData("1E+20", 1e20)]
    [InlineData("2.5e-3", 0.0025)]
    [InlineData("3.75M", 3.75)]
    [InlineData("1/4", 0.25)]
    public void Floats(string text, double expected) => Assert.Equal(Value.Of(expected), Parse(text));

    [Fact]
    public void SymbolicFloats()
    {
        Assert.Equal(Value.Of(double.PositiveInfinity), Parse("##Inf"));
        Assert.Equal(Value.Of(double.NegativeInfinity), Parse("##-Inf"));
        Assert.Equal(Value.Of(double.NaN), Parse("##NaN"));
    }

    [Fact]
    public void StringsWithEscapes()
    {
        Assert.Equal(Str(""), Parse("\"\""));
        Assert.Equal(Str("x 0 0 y"), Parse("\"x 0 0 y\""));
        Assert.Equal(Str("a\"b\\c\nd\te\rf"), Parse(@"""a\""b\\c\nd\te\rf"""));
        Assert.Equal(Str("A\u00e9\b\f"), Parse(@"""\u0041\u00e9\b\f"""));
        Assert.Equal(Str("two\nlines"), Parse("\"two\nlines\""));
        Assert.Equal(Str("ünïcødé ✓"), Parse("\"ünïcødé ✓\""));
    }

    [Theory]
    [InlineData(@"\a", "a")]
    [InlineData(@"\newline", "\n")]
    [InlineData(@"\space", " ")]
    [InlineData(@"\tab", "\t")]
    [InlineData(@"\u0041", "A")]
    [InlineData(@"\(", "(")]
    [InlineData(@"\\", "\\")]
    public void Characters(string text, string expected) => Assert.Equal(Str(expected), Parse(text));

    [Fact]
    public void CharactersInsideAVector() =>
        Assert.Equal(Value.List(Str("a"), Str("]"), Str("b")), Parse(@"[\a \] \b]"));

    [Fact]
    public void KeywordsKeepTheirNamespace()
    {
        Assert.Equal(Kw("foo"), Parse(":foo"));
        Assert.Equal(Kw("ns/foo"), Parse(":ns/foo"));
        Assert.Equal(Kw("timed-out"), Parse(":timed-out"));
        Assert.Equal(Kw("valid?"), Parse(":valid?"));
    }

    [Fact]
    public void SymbolsAreStrings()
    {
        Assert.Equal(Str("foo"), Parse("foo"));
        Assert.Equal(Str("clojure.core/+"), Parse("clojure.core/+"));
        Assert.Equal(Str("-"), Parse("-"));
        Assert.Equal(Str("nil?"), Parse("nil?"));
    }

    [Fact]
    public void VectorsAndListsAreLists()
    {
        var expected = Value.List(Value.Of(1), Value.Of(2), Kw("x"));
        Assert.Equal(expected, Parse("[1 2 :x]"));
        Assert.Equal(expected, Parse("(1, 2, :x)"));
        Assert.Equal(Value.List(), Parse("[]"));
        Assert.Equal(Value.List(Value.List(), Value.List(Value.Nil)), Parse("[[ ] (nil)]"));
    }

    [Fact]
    public void Sets()
    {
        var set = Parse("#{1 2 3}");
        Assert.Equal(ValueKind.Set, set.Kind);
        Assert.Equal(Value.Set([Value.Of(3), Value.Of(1), Value.Of(2)]), set);
    }

    [Fact]
    public void MapsKeepKeyOrder()
    {
        var map = Parse("{:type :invoke, :f :write, :value 3, \"k\" [1 2]}");
        Assert.Equal(ValueKind.Map, map.Kind);
        Assert.Equal([Kw("type"), Kw("f"), Kw("value"), Str("k")], map.Entries.Select(e => e.Key));
        Assert.Equal(Value.List(Value.Of(1), Value.Of(2)), map.Get("k"));
        Assert.Equal(Value.Map([]), Parse("{}"));
    }

    [Fact]
    public void CommentsAndDiscards()
    {
        Assert.Equal(Value.List(Value.Of(1), Value.Of(3)), Parse("[1 ; two\n #_2 3]"));
        Assert.Equal(Value.List(Value.Of(3)), Parse("[#_ #_ 1 2 3]"));
        Assert.Equal(Value.List(Value.Of(1)), Parse("[1 #_{:a [nested]}]"));
        Assert.Equal(Map((Kw("a"), Value.Of(1))), Parse("{:a #_:b 1}"));
    }

    [Fact]
    public void TagsAreDropped()
    {
        Assert.Equal(Str("2024-01-02T03:04:05.000-00:00"), Parse("#inst \"2024-01-02T03:04:05.000-00:00\""));
        Assert.Equal(Map((Kw("index"), Value.Of(0)), (Kw("type"), Kw("ok"))),
            Parse("#jepsen.history.Op{:index 0, :type :ok}"));
        Assert.Equal(Value.List(Value.Of(1)), Parse("#my.Record [1]"));
    }

    [Fact]
    public void KeywordsAreInterned()
    {
        var list = Parse("[:type :type :invoke]");
        Assert.Same(list.Items[0], list.Items[1]);
    }

    [Fact]
    public void ReadsAStreamOfFormsWithTheirLines()
    {
        var parser = new EdnParser("{:a 1}\n\n; note\n[1\n 2]   :k\n\"s\"", "t.edn");
        var forms = new List<(Value, int)>();
        while (parser.TryRead(out var v)) forms.Add((v, parser.FormLine));
        Assert.Equal(4, forms.Count);
        Assert.Equal([1, 4, 5, 6], forms.Select(f => f.Item2));
        Assert.Equal(Kw("k"), forms[2].Item1);
        Assert.Equal(6, parser.Line);
    }

    [Fact]
    public void EmptyInputHasNoForms()
    {
        Assert.False(new EdnParser("  ;; only a comment\n ,, ", "t.edn").TryRead(out _));
        Assert.Empty(new EdnParser(new StringReader(""), "t.edn").ReadAll());
    }

    [Theory]
    [InlineData("\"abc", 1, "unterminated string")]
    [InlineData("[1 2\n\"abc\n", 2, "unterminated string")]
    [InlineData("[1 2]]", 1, "unexpected ']'")]
    [InlineData("\n\n)", 3, "unexpected ')'")]
    [InlineData("{:a 1 :b}", 1, "map has odd number of forms")]
    [InlineData("\n[1 2\n3", 2, "unterminated vector")]
    [InlineData("(1 2", 1, "unterminated list")]
    [InlineData("{:a 1", 1, "unterminated map")]
    [InlineData("#{1 2", 1, "unterminated set")]
    [InlineData("[1 2)", 1, "unexpected ')' in the vector opened at line 1")]
    [InlineData("\"a\\qb\"", 1, "unknown escape '\\q'")]
    [InlineData("\n12abc", 2, "invalid number '12abc'")]
    [InlineData("99999999999999999999", 1, "out of range")]
    [InlineData(":", 1, "no keyword name")]
    [InlineData("\\bogus", 1, "unknown character literal")]
    [InlineData("#\"re\"", 1, "regular expressions")]
    [InlineData("##Foo", 1, "unknown symbolic value")]
    [InlineData("1 2", 1, "unexpected '2' after the value")]
    [InlineData("", 1, "found nothing")]
    [InlineData("[1 #_]", 1, "'#_' has no form to discard")]
    [InlineData("#inst", 1, "has no value")]
    public void ErrorsNameTheLine(string text, int line, string problem)
    {
        var e = Fails(text);
        Assert.Equal("t.edn", e.File);
        Assert.Equal(line, e.Line);
        Assert.Null(e.Field);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"t.edn:{line}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EndOfInputIsFlagged()
    {
        var truncated = new EdnParser("{:a 1}\n{:b [1 2", "t.edn");
        Assert.True(truncated.TryRead(out _));
        Assert.Throws<HistoryFormatException>(() => truncated.TryRead(out _));
        Assert.True(truncated.FailedAtEndOfInput);

        var broken = new EdnParser("{:a 1]", "t.edn");
        Assert.Throws<HistoryFormatException>(() => broken.TryRead(out _));
        Assert.False(broken.FailedAtEndOfInput);
    }

    [Fact]
    public void DeepNestingIsAnErrorNotACrash()
    {
        var e = Fails(new string('[', 10_000));
        Assert.Contains("nested deeper", e.Problem, StringComparison.Ordinal);
    }

    /// <summary>Tokens, strings and comments that straddle buffer refills read the same as from one string.</summary>
    [Fact]
    public void TinyReadsGiveTheSameForms()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 300; i++)
            text.Append(CultureInfo(i)).Append('\n');
        var expected = new EdnParser(text.ToString(), "t.edn").ReadAll().ToList();
        var trickled = new EdnParser(new TrickleReader(text.ToString(), 3), "t.edn").ReadAll().ToList();
        Assert.Equal(expected, trickled);
        Assert.Equal(300, expected.Count);

        static string CultureInfo(int i) =>
            $"{{:index {i}, :time {i * 1_000_003L}, :type :invoke, :f :txn-{i % 7}, ; comment {i}\n"
            + $" :value [[:append {i} \"s\\\"{i}\\u0041\"] #_ignored [:r \\x 1.5e{i % 5}]] :set #{{{i}}}}}";
    }

    [Fact]
    public void LongStringsAcrossTheBuffer()
    {
        var big = new string('x', 200_000) + "\\n" + new string('y', 70_000);
        var text = $"[\"{big}\" :{new string('k', 70_000)}]";
        var value = new EdnParser(new StringReader(text), "t.edn").ReadAll().Single();
        Assert.Equal(new string('x', 200_000) + "\n" + new string('y', 70_000), value.Items[0].AsText);
        Assert.Equal(new string('k', 70_000), value.Items[1].AsText);
    }

    // ------------------------------------------------------------------ round trip (property)

    internal static readonly Gen<string> KeywordName =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyzABCXYZ*+!-_?<>="], Gen.Char["abcxyz0129-_?!./*+"].Array[0, 8],
            (first, rest) => first + new string(rest));

    internal static readonly Gen<Value> Scalar = Gen.OneOf(
        Gen.Const(Value.Nil),
        Gen.Bool.Select(Value.Of),
        Gen.Long.Select(Value.Of),
        Gen.Int[-100, 100].Select(i => Value.Of(i)),
        Gen.Double.Where(double.IsFinite).Select(Value.Of),
        Gen.String.Select(Value.Of),
        Gen.Char[(char)0, (char)0xD7FF].Array[0, 12].Select(chars => Value.Of(new string(chars))),
        KeywordName.Select(Value.Keyword));

    internal static readonly Gen<Value> Values = Gen.Recursive<Value>((depth, self) =>
        depth >= 4
            ? Scalar
            : Gen.Frequency(
                (6, Scalar),
                (2, self.Array[0, 5].Select(items => Value.List(items))),
                (1, self.Array[0, 4].Select(items => Value.Set([.. items.Distinct()]))),
                (2, Gen.Select(self.Array[0, 4], self.Array[4]).Select((keys, vals) =>
                    Value.Map([.. keys.Distinct().Select((k, i) => new KeyValuePair<Value, Value>(k, vals[i]))])))));

    [Fact]
    public void WrittenValuesReadBackEqual() =>
        Values.Sample(v =>
        {
            var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            EdnHistoryWriter.WriteValue(v, writer);
            var text = writer.ToString();
            Assert.Equal(v, EdnParser.ParseOne(text, "t.edn"));
            Assert.Equal(v, new EdnParser(new TrickleReader(text, 2), "t.edn").ReadAll().Single());
        }, iter: 3000);

    [Fact]
    public void ValueToStringReadsBackEqual() =>
        Values.Sample(v => Assert.Equal(v, EdnParser.ParseOne(v.ToString(), "t.edn")), iter: 3000);

    [Fact]
    public void NonFiniteFloatsRoundTrip()
    {
        foreach (var d in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue })
        {
            var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            EdnHistoryWriter.WriteValue(Value.Of(d), writer);
            Assert.Equal(Value.Of(d), EdnParser.ParseOne(writer.ToString()));
        }
    }
}

/// <summary>A reader that hands out at most a few characters a call, to exercise buffer refills.</summary>
internal sealed class TrickleReader(string text, int chunk) : TextReader
{
    private int pos;

    public override int Peek() => pos < text.Length ? text[pos] : -1;

    public override int Read() => pos < text.Length ? text[pos++] : -1;

    public override int Read(char[] buffer, int index, int count)
    {
        var n = Math.Min(Math.Min(count, chunk), text.Length - pos);
        text.CopyTo(pos, buffer, index, n);
        pos += n;
        return n;
    }
}
