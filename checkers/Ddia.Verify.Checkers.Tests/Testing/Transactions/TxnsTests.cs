using CsCheck;
using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Tests.Testing.Transactions;

/// <summary>The transactional history DSL.</summary>
public sealed class TxnsTests
{
    private static Value S(string s) => Value.Of(s);
    private static Value Mop(string f, Value k, Value v) => Value.List(S(f), k, v);
    private static Value Ints(params long[] xs) => Value.List(xs.Select(Value.Of).ToArray());

    [Fact]
    public void Parse_TheExample_OrdersEventsByTimeAndFillsReads()
    {
        var h = Txns.Parse("p0 ax1 ay1 [0,10] | p1 rx[1] ry[] [5,20] | p2 ax2 [6,8]:fail");

        var t0 = Value.List(Mop("append", S("x"), Value.Of(1)), Mop("append", S("y"), Value.Of(1)));
        var t1Invoked = Value.List(Mop("r", S("x"), Value.Nil), Mop("r", S("y"), Value.Nil));
        var t1Done = Value.List(Mop("r", S("x"), Ints(1)), Mop("r", S("y"), Ints()));
        var t2 = Value.List(Mop("append", S("x"), Value.Of(2)));
        Assert.Equal(
        [
            new Op(0, 0, OpType.Invoke, 0, "txn", t0),
            new Op(1, 5, OpType.Invoke, 1, "txn", t1Invoked),
            new Op(2, 6, OpType.Invoke, 2, "txn", t2),
            new Op(3, 8, OpType.Fail, 2, "txn", t2),
            new Op(4, 10, OpType.Ok, 0, "txn", t0),
            new Op(5, 20, OpType.Ok, 1, "txn", t1Done),
        ], h);
        Assert.Empty(h.Problems);
    }

    [Theory]
    [InlineData("ax1", "append", "x", 1L, null)]
    [InlineData("wz7", "w", "z", 7L, null)]
    [InlineData("ak12.3", "append", null, 3L, 12L)]
    [InlineData("wk0.-4", "w", null, -4L, 0L)]
    public void Parse_WriteMops_AreTheSameInInvocationAndCompletion(string mop, string f, string? letterKey, long value, long? intKey)
    {
        var h = Txns.Parse($"p3 {mop} [1,2]");

        var key = letterKey is null ? Value.Of(intKey!.Value) : S(letterKey);
        var expected = Value.List(Mop(f, key, Value.Of(value)));
        Assert.Equal(expected, h[0].Value);
        Assert.Equal(expected, h[1].Value);
        Assert.Equal(3, h[0].Process);
    }

    public static TheoryData<string, Value> Reads => new()
    {
        { "rx", Value.Nil },
        { "rx[]", Ints() },
        { "rx[1,2]", Ints(1, 2) },
        { "rx=3", Value.Of(3) },
        { "rx=_", Value.Nil },
        { "rk42[7]", Ints(7) },
        { "rk42=-1", Value.Of(-1) },
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public void Parse_ReadMops_InvokeNilAndCompleteWithTheResult(string mop, Value result)
    {
        var h = Txns.Parse($"p0 {mop} [0,1]");

        var key = mop[1] == 'k' ? Value.Of(42) : S("x");
        Assert.Equal(Value.List(Mop("r", key, Value.Nil)), h[0].Value);
        Assert.Equal(Value.List(Mop("r", key, result)), h[1].Value);
    }

    [Fact]
    public void Parse_OutcomesAndOpenIntervals_FollowTheOpsRules()
    {
        var h = Txns.Parse("p0 rx ax1 [0,10]:info | p1 ay2 [5,_] | p2 ry=_ [10,12]:ok | p3 wx1 [2,_]:info");

        Assert.Equal(OpType.Info, h.OutcomeOf(0));
        Assert.Equal(h[0].Value, h[h.CompletionOf(0)].Value);   // an info completion repeats the invocation
        Assert.Equal(-1, h.CompletionOf(2));
        Assert.Equal(OpType.Info, h.OutcomeOf(2));
        Assert.Equal(OpType.Ok, h.OutcomeOf(3));
        // At time 10 the invocation of p2 comes before the completion of p0.
        Assert.Equal([0, 3, 1, 2, 0, 2], h.Select(o => o.Process));
        Assert.Equal(6, h.Count);
    }

    [Theory]
    [InlineData("x0 ax1 [0,1]", "entry 0", "'p<process>'")]
    [InlineData("p0 ax1 [0,1] | p1 qx1 [2,3]", "entry 1", "token 'qx1'")]
    [InlineData("p0 aX1 [0,1]", "entry 0", "token 'aX1'")]
    [InlineData("p0 ak1 [0,1]", "entry 0", "token 'ak1'")]
    [InlineData("p0 ak 3 [0,1]", "entry 0", "token 'ak'")]
    [InlineData("p0 axy [0,1]", "entry 0", "token 'axy'")]
    [InlineData("p0 rx[1,b] [0,1]", "entry 0", "token 'rx[1,b]'")]
    [InlineData("p0 rx=q [0,1]", "entry 0", "token 'rx=q'")]
    [InlineData("p0 rx{1} [0,1]", "entry 0", "token 'rx{1}'")]
    [InlineData("p0 rx[1] [0,1]:fail", "entry 0", "token 'rx[1]'")]
    [InlineData("p0 ax1 [0,1]:maybe", "entry 0", "token ':maybe'")]
    [InlineData("p0 ax1 [5,1]", "entry 0", "token '[5,1]'")]
    [InlineData("p0 ax1 [0,_]:ok", "entry 0", "never completes")]
    [InlineData("p0 [0,1]", "entry 0", "micro-op")]
    [InlineData("p0 ax1", "entry 0", "interval")]
    public void Parse_BadInput_ThrowsNamingTheEntryAndToken(string text, string entry, string detail)
    {
        var ex = Assert.Throws<FormatException>(() => Txns.Parse(text));

        Assert.Contains(entry, ex.Message, StringComparison.Ordinal);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_WrittenText_ComesBackAsWritten()
    {
        const string text = "p0 ax1 ak12.3 [0,10] | p1 rx[1] ry[] rk12=_ [5,20] | p2 wx2 rx [6,8]:fail | p3 rz ak1.4 [7,9]:info | p4 ay2 [11,_]";

        // rk12=_ is written back as rk12: the two forms are the same op.
        Assert.Equal(text.Replace("rk12=_", "rk12", StringComparison.Ordinal), Txns.Format(Txns.Parse(text)));
    }

    [Fact]
    public void Format_ThenParse_GivesBackEverySimulatedHistory() =>
        TxnGens.AnySimulated(40).Sample(s =>
        {
            var text = Txns.Format(s.History);
            Assert.Equal<Op>(s.History, Txns.Parse(text));
        }, iter: 300, print: s => Txns.Format(s.History));

    [Fact]
    public void Format_WhenAnOpIsNotATxn_Throws()
    {
        var h = new Ddia.Verify.History.History([new Op(0, 0, OpType.Invoke, 0, "read", Value.Nil)]);

        var ex = Assert.Throws<ArgumentException>(() => Txns.Format(h));
        Assert.Contains("position 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_WhenAnInvocationCarriesReadResults_Throws()
    {
        var mops = Value.List(Mop("r", S("x"), Ints(1)));
        var h = new Ddia.Verify.History.History(
            [new Op(0, 0, OpType.Invoke, 0, "txn", mops), new Op(1, 1, OpType.Ok, 0, "txn", mops)]);

        Assert.Throws<ArgumentException>(() => Txns.Format(h));
    }

    [Fact]
    public void Format_WhenNamesAndKeysAreKeywords_WritesThemAsText()
    {
        var invoked = Value.List(Value.List(Value.Keyword("append"), Value.Keyword("x"), Value.Of(1)), Value.List(Value.Keyword("r"), Value.Of(5), Value.Nil));
        var done = Value.List(invoked.Items[0], Value.List(Value.Keyword("r"), Value.Of(5), Ints(2, 3)));
        var h = new Ddia.Verify.History.History(
            [new Op(0, 100, OpType.Invoke, 4, "txn", invoked), new Op(1, 200, OpType.Ok, 4, "txn", done)]);

        Assert.Equal("p4 ax1 rk5[2,3] [100,200]", Txns.Format(h));
    }
}
