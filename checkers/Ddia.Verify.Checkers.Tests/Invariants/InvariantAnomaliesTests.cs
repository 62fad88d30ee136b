using Ddia.Verify.Checkers.Invariants;

namespace Ddia.Verify.Checkers.Tests.Invariants;

public sealed class InvariantAnomaliesTests
{
    [Fact]
    public void Kinds_NameEveryCheckerByItsName()
    {
        var names = new IChecker[] { new BankChecker(), new SetChecker(), new CounterChecker(), new OnCallChecker() }.Select(c => c.Name).ToHashSet();
        Assert.Equal(["bank", "counter", "on-call", "set"], names.Order());
        Assert.Equal(names.Order(), InvariantAnomalies.Kinds.Values.Select(v => v.Checker).Distinct().Order());
        Assert.Equal(10, InvariantAnomalies.Kinds.Count);
    }
}
