using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Harness.Run;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>Options become tests (or clear usage errors), and the campaign table says what each run was.</summary>
public class ComposeReplicationTests
{
    // Compose checks only that the node program exists; nothing is started.
    private static readonly string AnyFile = typeof(ComposeReplicationTests).Assembly.Location;

    [Fact]
    public void EveryDefaultCampaignRun_Composes_WithTheCheckerItsExpectationNeeds()
    {
        foreach (var run in DefaultCampaign.Runs(1))
        {
            var spec = TestComposer.Compose(run.Options with { NodeProgram = AnyFile, Name = run.Name }, out _);
            Assert.Equal(run.Name, spec.Name);
            Assert.Equal(run.Options.Configuration, spec.Options["configuration"]);
        }
        // The eventually consistent systems' sets do not count stale reads against them; the single leader's do.
        Assert.False(SetCheckerOf("multi-leader-version-vectors").Linearizable);
        Assert.False(SetCheckerOf("leaderless-quorum").Linearizable);
        Assert.True(SetCheckerOf("leader-async-failover").Linearizable);
    }

    [Theory]
    [InlineData("leader", "register", null, "--system leader")]
    [InlineData("leader", "set", "halves,nowhere", "--partitions")]
    [InlineData("multi-leader", "bank", null, "--workload")]
    public void ImpossibleCombinations_AreUsageErrors_NamingTheOption(string system, string workload, string? partitions, string named)
    {
        var options = new RunOptions
        {
            System = system, Workload = workload, NodeProgram = AnyFile, Nemesis = ["partition"],
            Conflicts = named == "--system leader" ? "lww" : "version-vectors",
            Partitions = partitions is null ? [] : [.. partitions.Split(',')],
        };
        var e = Assert.Throws<UsageException>(() => TestComposer.Compose(options, out _));
        Assert.StartsWith(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsolateLeaderScenario_NeedsPartitions()
    {
        var options = new RunOptions { System = "leader", Workload = "set", NodeProgram = AnyFile, Nemesis = ["pause"], Scenario = "isolate-leader" };
        var e = Assert.Throws<UsageException>(() => TestComposer.Compose(options, out _));
        Assert.Contains("needs --nemesis partition", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationAndTestName_SayTheKnobsOfEachSystem()
    {
        var leaderless = new RunOptions { System = "leaderless", Workload = "set", N = 3, W = 1, R = 1, Conflicts = "lww", SloppyQuorum = true, Nemesis = ["partition", "kill"] };
        Assert.Equal("n=3 w=1 r=1, lww, sloppy quorum", leaderless.Configuration);
        Assert.Equal("leaderless-set-n=3-w=1-r=1-lww-sloppy-quorum-partition+kill", leaderless.TestName);
        Assert.Equal("async, reads any, failover naive", new RunOptions { System = "leader", Replication = "async", Reads = "any", Failover = "naive" }.Configuration);
        Assert.Equal("n=all w=majority r=majority, version-vectors", new RunOptions { System = "leaderless" }.Configuration);
        Assert.Equal("raft-register-log-reads-no-faults", new RunOptions().TestName);
    }

    [Fact]
    public void CampaignTable_InMarkdown_EscapesCells_AndSaysWhatAValidRunStillReported()
    {
        var run = DefaultCampaign.Runs(1).Single(r => r.Name == "multi-leader-version-vectors");
        var outcome = new RunOutcome("ok", new CheckResult("set", Validity.Valid, [new Anomaly("stale", [], "")]), null, 1, 10);
        var line = CampaignLine.Of(run, outcome, mismatch: null, report: "store/x/index.html");
        Assert.Equal("valid (reported: stale)", line.Got);
        Assert.Equal("partition", line.Faults);

        var broken = CampaignLine.Of(run with { Name = "a|b" }, new RunOutcome("ok", new CheckResult("set", Validity.Invalid, [new Anomaly("lost", [], "")]), null, 1, 10),
            mismatch: "verdict invalid, expected valid", report: "r");
        var markdown = CampaignLine.Markdown([line, broken]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, markdown.Length);
        Assert.Equal("| multi-leader-version-vectors | multi-leader | version-vectors | set | partition | valid; never lost, unexpected | valid (reported: stale) | as expected |", markdown[2]);
        Assert.StartsWith(@"| a\|b | multi-leader |", markdown[3], StringComparison.Ordinal);
        Assert.EndsWith("| invalid: lost | NOT as expected: verdict invalid, expected valid |", markdown[3], StringComparison.Ordinal);
    }

    private static SetChecker SetCheckerOf(string name)
    {
        var run = DefaultCampaign.Runs(1).Single(r => r.Name == name);
        var checker = TestComposer.Compose(run.Options with { NodeProgram = AnyFile }, out _).Checker;
        return Assert.IsType<SetChecker>(checker);
    }
}
