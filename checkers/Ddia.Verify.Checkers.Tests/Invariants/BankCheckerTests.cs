using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Invariants;

public sealed class BankCheckerTests
{
    private static readonly BankOptions Hundred = new() { Total = 100 };

    private static CheckResult Check(HistoryList h, BankOptions? options = null) => new BankChecker(options).Check(h, new CheckOptions());

    private static CheckResult Check(string text, BankOptions? options = null) => Check(Histories.Parse(text), options);

    private static string Transfer(string from, string to, long amount) => $"transfer([[from {from}] [to {to}] [amount {amount}]])";

    private static BankResult Detail(CheckResult r) => Assert.IsType<BankResult>(r.Detail);

    [Fact]
    public void Check_ReadsThatKeepTheTotal_AreValid()
    {
        var r = Check($"p0 {Transfer("a", "b", 10)} [0,10] | p1 read->[[a 40] [b 60]] [5,15] | p0 {Transfer("b", "a", 30)}:info [20,_] | p2 read->[[a 70] [b 30]] [40,50]",
            Hundred with { Accounts = [Value.Of("a"), Value.Of("b")] });
        Assert.Equal(Validity.Valid, r.Validity);
        Assert.Equal((100L, null, 2, 0), (Detail(r).ExpectedTotal, Detail(r).TotalFromRead, Detail(r).ReadsChecked, Detail(r).BadReads));
    }

    [Fact]
    public void Check_ReadOfAPartialTransfer_IsWrongTotalNamingTheConcurrentTransfer()
    {
        // Positions: 0 p0 invoke, 1 p2 invoke, 2 p3 invoke, 3 p3 ok, 4 read invoke, 5 read ok, 6 p0 ok, 7 p2 ok.
        var h = Histories.Parse($"p0 {Transfer("a", "b", 5)} [0,30] | p1 read->[[a 45] [b 50]] [10,20] | p2 {Transfer("b", "a", 7)} [0,40] | " +
                                $"p3 {Transfer("a", "b", 5)} [1,5]");
        var r = Check(h, Hundred);
        Assert.Equal(Validity.Invalid, r.Validity);
        var a = Assert.Single(r.Anomalies);
        Assert.Equal("wrong-total", a.Kind);
        Assert.Equal([4, 5, 0], a.Positions.ToArray());
        var wrong = Assert.IsType<BankFinding.WrongTotal>(Assert.Single(Detail(r).Findings));
        Assert.Equal((4, 5, 95L, 100L, -5L), (wrong.Read, wrong.Completion, wrong.Total, wrong.Expected, wrong.Difference));
        Assert.Equal([0], wrong.Transfers.ToArray());
        Assert.Equal(1, Detail(r).BadReads);
        Assert.Contains("sums to 95", a.Explanation, StringComparison.Ordinal);
        Assert.Contains("-5", a.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InfoTransfersExplainButFailedOnesDoNot()
    {
        var r = Check($"p0 {Transfer("a", "b", 5)}:info [0,_] | p2 {Transfer("a", "b", 5)}:fail [1,30] | p1 read->[[a 50] [b 55]] [10,20]", Hundred);
        var wrong = Assert.IsType<BankFinding.WrongTotal>(Assert.Single(Detail(r).Findings));
        Assert.Equal(5L, wrong.Difference);
        Assert.Equal([0], wrong.Transfers.ToArray());
    }

    [Fact]
    public void Check_WithoutATotal_TakesTheFirstReadsSumAndSaysSo()
    {
        var r = Check("p0 read->[[a 50] [b 50]] [0,10] | p1 read->[[a 40] [b 50]] [20,30]");
        Assert.Equal(Validity.Invalid, r.Validity);
        var d = Detail(r);
        Assert.Equal((100L, (int?)0), (d.ExpectedTotal, d.TotalFromRead));
        var wrong = Assert.IsType<BankFinding.WrongTotal>(Assert.Single(d.Findings));
        Assert.Equal((2, 90L, -10L), (wrong.Read, wrong.Total, wrong.Difference));
        Assert.Empty(wrong.Transfers);
        Assert.Contains("first ok read", r.Anomalies[0].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NegativeBalance_IsReportedUnlessAllowed()
    {
        const string history = "p0 read->[[a -10] [b 110]] [0,10]";
        var r = Check(history, Hundred);
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal("negative-balance", Assert.Single(r.Anomalies).Kind);
        Assert.Equal(new BankFinding.NegativeBalance(0, 1, Value.Of("a"), -10), Assert.Single(Detail(r).Findings));
        Assert.Equal(Validity.Valid, Check(history, Hundred with { NegativeAllowed = true }).Validity);
    }

    [Fact]
    public void Check_AccountsOtherThanTheBanks_AreUnexpectedAndMissing()
    {
        var r = Check("p0 read->[[a 50] [c 50]] [0,10]", Hundred with { Accounts = [Value.Of("a"), Value.Of("b")] });
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal(["unexpected-account", "missing-account"], r.Anomalies.Select(a => a.Kind));
        Assert.Equal<BankFinding>([new BankFinding.UnexpectedAccount(0, 1, Value.Of("c")), new BankFinding.MissingAccount(0, 1, Value.Of("b"))],
            Detail(r).Findings);
        Assert.Equal(1, Detail(r).BadReads);
    }

    [Fact]
    public void Check_ReadOfAString_IsUnknownNamingItsPosition()
    {
        var r = Check("p0 read->\"oops\" [0,10] | p1 read->[[a 50] [b 50]] [20,30]", Hundred);
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("position 1", r.Error, StringComparison.Ordinal);
        Assert.Equal(1, Detail(r).ReadsChecked);
    }

    [Fact]
    public void Check_BalanceThatIsNotAnInteger_IsUnknown()
    {
        var r = Check("p0 read->[[a x] [b 50]] [0,10]", Hundred);
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("not an integer", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NemesisAndUnfinishedReads_AreIgnored() =>
        Assert.Equal(Validity.Valid,
            Check("p-1 read->[[a 1]] [0,10] | p1 read:info [5,_] | p0 read->[[a 50] [b 50]] [20,30]", Hundred).Validity);

    [Fact]
    public void Check_NoOkRead_IsUnknown()
    {
        var r = Check($"p0 {Transfer("a", "b", 5)} [0,10]", Hundred);
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("no ok read", r.Error, StringComparison.Ordinal);
    }
}
