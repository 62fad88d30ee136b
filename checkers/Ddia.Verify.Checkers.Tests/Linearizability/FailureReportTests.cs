using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>What an invalid verdict says: the op that cannot be linearized and the longest prefixes, with their states.</summary>
public sealed class FailureReportTests
{
    [Fact]
    public void Check_WhenReadSeesOverwrittenValue_NamesTheReadAndTheStateThatRulesItOut()
    {
        // Positions: 0 invoke w1, 1 ok w1, 2 invoke w2, 3 ok w2, 4 invoke r1, 5 ok r1.
        var result = Verdicts.Check("register", Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]"));

        Assert.Equal(Validity.Invalid, result.Validity);
        var partition = Assert.Single(result.Partitions);
        Assert.Null(partition.Key);
        Assert.Equal(Validity.Invalid, partition.Validity);
        var failure = Assert.IsType<LinearizabilityFailure>(partition.Failure);
        Assert.Equal(4, failure.Op.Position);
        Assert.Equal("read", failure.Op.Invocation.F);
        Assert.Equal(2, failure.Op.Invocation.Process);
        Assert.Equal(5, failure.Op.CompletionPosition);
        Assert.Equal(Value.Of(1), failure.Op.Completion?.Value);

        var prefix = Assert.Single(failure.LongestPrefixes);
        Assert.Equal(0, prefix.Omitted);
        Assert.Equal("nil", prefix.StartState);
        Assert.Equal([0, 2], prefix.Steps.Select(s => s.Op.Position));
        Assert.Equal(["1", "2"], prefix.Steps.Select(s => s.StateAfter));
        Assert.Equal("2", prefix.FinalState);
        Assert.Equal(["2"], failure.CandidateStates);
    }

    [Fact]
    public void Check_WhenConcurrentWritesPrecedeAnImpossibleRead_ListsBothCandidateStates()
    {
        // Positions: 0 invoke w1, 1 invoke w2, 2 ok w1, 3 ok w2, 4 invoke r3, 5 ok r3.
        var result = Verdicts.Check("register", Ops.Parse("p0 w1 [0,10] | p1 w2 [0,10] | p2 r3 [20,30]"));

        var failure = Assert.Single(result.Failures).Failure!;
        Assert.Equal(4, failure.Op.Position);
        Assert.Equal(["1", "2"], failure.CandidateStates.Order(StringComparer.Ordinal));
        Assert.All(failure.LongestPrefixes, p => Assert.Equal(2, p.Steps.Length));
        Assert.Contains(failure.LongestPrefixes, p => p.Steps.Select(s => s.Op.Position).SequenceEqual([0, 1]) && p.FinalState == "2");
        Assert.Contains(failure.LongestPrefixes, p => p.Steps.Select(s => s.Op.Position).SequenceEqual([1, 0]) && p.FinalState == "1");
    }

    [Fact]
    public void Check_WhenInfoWriteWasNeededEarlier_ShowsItInThePrefix()
    {
        // Positions: 0 invoke w1, 1 invoke w2 (info, never completes), 2 ok w1, 3 invoke r2, 4 ok r2, 5 invoke r1, 6 ok r1.
        // r2 needs the info write after w1; then nothing can bring 1 back for r1.
        var result = Verdicts.Check("register", Ops.Parse("p0 w1 [0,10] | p1 w2:info [5,_] | p0 r2 [20,30] | p0 r1 [40,50]"));

        var partition = Assert.Single(result.Failures);
        Assert.Equal(1, partition.UnknownOps);
        var failure = partition.Failure!;
        Assert.Equal(5, failure.Op.Position);
        var prefix = Assert.Single(failure.LongestPrefixes);
        Assert.Equal([0, 1, 3], prefix.Steps.Select(s => s.Op.Position));
        Assert.Equal(["1", "2", "2"], prefix.Steps.Select(s => s.StateAfter));
        Assert.Equal("2", prefix.FinalState);
        Assert.Null(prefix.Steps[1].Op.Completion);
        Assert.Equal(-1, prefix.Steps[1].Op.CompletionPosition);
        Assert.Equal(["2"], failure.CandidateStates);
    }

    [Fact]
    public void Check_WhenPrefixIsLongerThanMaxPrefixSteps_KeepsOnlyItsLastSteps()
    {
        var writes = string.Join(" | ", Enumerable.Range(1, 10).Select(i => $"p0 w{i} [{10 * i},{10 * i + 5}]"));
        var history = Ops.Parse(writes + " | p1 r1 [200,210]");

        var result = Verdicts.Check("register", history, options: new LinearizabilityOptions { MaxPrefixSteps = 3 });

        var failure = Assert.Single(result.Failures).Failure!;
        Assert.Equal(20, failure.Op.Position);
        var prefix = Assert.Single(failure.LongestPrefixes);
        Assert.Equal(7, prefix.Omitted);
        Assert.Equal("7", prefix.StartState);
        Assert.Equal([14, 16, 18], prefix.Steps.Select(s => s.Op.Position));
        Assert.Equal(["8", "9", "10"], prefix.Steps.Select(s => s.StateAfter));
        Assert.Equal("10", prefix.FinalState);
    }

    [Fact]
    public void Check_WhenHistoryIsValid_ReportsNoFailure()
    {
        var result = Verdicts.Check("register", Ops.Parse("p0 w1 [0,10] | p1 r1 [20,30]"));

        Assert.Equal(Validity.Valid, result.Validity);
        Assert.Empty(result.Failures);
        Assert.Null(Assert.Single(result.Partitions).Failure);
        Assert.Null(result.UnknownReason);
        Assert.Equal(2, result.Ops);
    }
}
