using CsCheck;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Testing;

/// <summary>The history DSL used by the checker tests.</summary>
public sealed class OpsTests
{
    [Fact]
    public void Parse_WhenOpsAreSequential_OrdersEventsByTime()
    {
        var h = Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");

        Assert.Equal(
        [
            new Op(0, 0, OpType.Invoke, 0, "write", Value.Of(1)),
            new Op(1, 10, OpType.Ok, 0, "write", Value.Of(1)),
            new Op(2, 20, OpType.Invoke, 1, "write", Value.Of(2)),
            new Op(3, 30, OpType.Ok, 1, "write", Value.Of(2)),
            new Op(4, 40, OpType.Invoke, 2, "read", Value.Nil),
            new Op(5, 50, OpType.Ok, 2, "read", Value.Of(1)),
        ], h);
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void Parse_WhenTimesTie_PutsInvocationsBeforeCompletions()
    {
        var h = Ops.Parse("p0 w1 [0,10] | p1 r_ [10,20]");

        Assert.Equal([OpType.Invoke, OpType.Invoke, OpType.Ok, OpType.Ok], h.Select(o => o.Type));
        Assert.Equal([0, 1, 0, 1], h.Select(o => o.Process));
    }

    [Fact]
    public void Parse_WhenOutcomesAreGiven_WritesThemAsCompletions()
    {
        var h = Ops.Parse("p0 c1>2:fail [0,10] | p1 w3:info [5,_] | p2 w4:info [6,8] | p3 r_ [20,30]");

        Assert.Equal(OpType.Fail, h.OutcomeOf(0));
        Assert.Equal(Value.List(Value.Of(1), Value.Of(2)), h[0].Value);
        Assert.Equal("cas", h[0].F);
        Assert.Equal(-1, h.CompletionOf(1));
        Assert.Equal(OpType.Info, h.OutcomeOf(1));
        Assert.Equal(OpType.Info, h[h.CompletionOf(2)].Type);
        Assert.Equal(Value.Nil, h[h.CompletionOf(5)].Value);
        Assert.Equal(7, h.Count);
    }

    [Fact]
    public void Parse_WhenKeyPrefixAndGeneralOpsAreUsed_ReadsKeysAndValues()
    {
        var h = Ops.Parse("p0 k1:w3 [0,1] | p1 kx:append(\"ab\") [2,3] | p2 dequeue->_ [4,5] | p3 txn([[r x _] [w y 1]])->[[r x 2] [w y 1]] [6,7] | p4 acquire [8,9]");

        Assert.Equal(Value.Of(1), h[0].Key);
        Assert.Equal(Value.Of("x"), h[2].Key);
        Assert.Equal(Value.Of("ab"), h[2].Value);
        Assert.Equal("dequeue", h[4].F);
        Assert.Equal(Value.Nil, h[5].Value);
        Assert.Equal("txn", h[6].F);
        Assert.Equal(Value.List(Value.List(Value.Of("r"), Value.Of("x"), Value.Nil), Value.List(Value.Of("w"), Value.Of("y"), Value.Of(1))), h[6].Value);
        Assert.Equal(Value.Of(2), h[7].Value.Items[0].Items[2]);
        Assert.Equal(("acquire", Value.Nil), (h[8].F, h[8].Value));
    }

    [Theory]
    [InlineData("w1 [0,1]")]
    [InlineData("p0 w1")]
    [InlineData("p0 w1 [5,1]")]
    [InlineData("p0 w1:ok [0,_]")]
    [InlineData("p0 txn([[r x _] [0,1]")]
    public void Parse_WhenEntryIsMalformed_ThrowsFormatException(string text) =>
        Assert.Throws<FormatException>(() => Ops.Parse(text));

    [Fact]
    public void Format_OfParsedHistory_ParsesBackToTheSameOps()
    {
        const string text = "p0 w1 [0,10] | p1 c1>2:fail [2,12] | p2 w3:info [4,_] | p3 r_:info [5,7] | p4 k7:r1 [20,30] | p5 add(1) [31,32]";
        var h = Ops.Parse(text);

        Assert.Equal(text, Ops.Format(h));
        Assert.Equal(h, Ops.Parse(Ops.Format(h)));
    }

    [Fact]
    public void Format_OfGeneratedHistories_ParsesBackToTheSameOps() =>
        Gen.OneOf(Gens.SmallRandomRegisterHistory, Gens.ConcurrentLinearizableRegisterHistory(3, 4, 30, 0.2), Gens.SequentialRegisterHistory)
            .Sample(h => Assert.Equal<Op>(h, Ops.Parse(Ops.Format(h))), iter: 300, print: Ops.Format);

    [Fact]
    public void Format_WhenHistoryIsEmpty_GivesEmptyText() =>
        Assert.Equal("", Ops.Format(new HistoryList([])));
}
