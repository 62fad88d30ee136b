using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Harness.Run;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>A campaign run is as expected only with its verdict, every anomaly it must find, and none it must not.</summary>
public class CampaignExpectationTests
{
    private static readonly CampaignRun Snapshot = new("txn-snapshot", new RunOptions(), Validity.Invalid, "write skew")
    {
        Finds = ["G2-item"],
        NeverFinds = ["G0", "G-single", "lost-update"],
    };

    private static RunOutcome Outcome(Validity validity, params string[] kinds) =>
        new("ok", new CheckResult("txn", validity, [.. kinds.Select(k => new Anomaly(k, [], ""))]), null, 1, 100);

    [Fact]
    public void ExpectedVerdictAndAnomalies_Match_IncludingRefinedKinds()
    {
        Assert.Null(Snapshot.Mismatch(Outcome(Validity.Invalid, "G2-item")));
        Assert.Null(Snapshot.Mismatch(Outcome(Validity.Invalid, "G-nonadjacent-item", "strict-serializable-cycle-exists")));
        Assert.Equal("invalid: G2-item; never G0, G-single, lost-update", Snapshot.Expectation);
    }

    [Fact]
    public void WrongVerdict_MissingAnomaly_OrForbiddenAnomaly_IsNotAsExpected()
    {
        Assert.Equal("verdict valid, expected invalid; not found: G2-item", Snapshot.Mismatch(Outcome(Validity.Valid)));
        Assert.Equal("not found: G2-item", Snapshot.Mismatch(Outcome(Validity.Invalid, "G2-item-realtime")));
        Assert.Equal("found: G-single-item, lost-update",
            Snapshot.Mismatch(Outcome(Validity.Invalid, "G2-item", "lost-update", "G-single-item")));
        Assert.Equal("the run crashed", Snapshot.Mismatch(new RunOutcome("crashed", null, "boom", 1, 0)));
    }

    [Fact]
    public void NamesMatchTheirKindAndKindsThatImplyIt_NotWeakerVariants()
    {
        Assert.True(CampaignRun.Matches("G-single", "G-single-item"));
        Assert.True(CampaignRun.Matches("G2-item", "G-nonadjacent-item"), "a G-nonadjacent-item cycle is a G2-item cycle");
        Assert.True(CampaignRun.Matches("G1", "G1a"), "a G1a is a G1");
        Assert.True(CampaignRun.Matches("G2", "G2-item"), "a G2-item cycle is a G2");
        Assert.False(CampaignRun.Matches("G1a", "G1"), "a G1 need not be a G1a");
        Assert.False(CampaignRun.Matches("G1", "G1-realtime"), "a real-time cycle is weaker than G1");
        Assert.False(CampaignRun.Matches("G2-item", "G2-item-realtime"), "a cycle through real-time order is weaker");
        Assert.False(CampaignRun.Matches("G-single", "G-singleton"), "whole words only");
    }

    /// <summary>A typo in an expectation would make it vacuous (never found, never forbidden): every name the default
    /// campaign uses must be an anomaly some checker reports.</summary>
    [Fact]
    public void DefaultCampaign_NamesOnlyAnomaliesOurCheckersReport()
    {
        var known = ConsistencyModels.AllAnomalies.Concat(InvariantAnomalies.Kinds.Keys).ToHashSet(StringComparer.Ordinal);
        foreach (var run in DefaultCampaign.Runs(1))
        {
            foreach (var name in run.Finds.Concat(run.NeverFinds))
                Assert.True(known.Any(k => CampaignRun.Matches(name, k)), $"{run.Name}: no checker reports an anomaly named {name}");
        }
    }

    [Fact]
    public void Only_PicksTheRunOfThatName_ElseEveryRunContainingIt()
    {
        var runs = DefaultCampaign.Runs(1);
        Assert.Equal(["2pc-bank"], CampaignCommand.Selected(runs, "2pc-bank").Select(r => r.Name));
        Assert.Equal(["2pc-bank", "2pc-bank-coordinator-crash", "2pc-bank-unsafe-heuristic"], CampaignCommand.Selected(runs, "2pc").Select(r => r.Name));
        Assert.Equal(runs.Count, CampaignCommand.Selected(runs, null).Count());
        Assert.Empty(CampaignCommand.Selected(runs, "meteor"));
        // Several names: campaign order, each run once.
        Assert.Equal(["2pc-bank", "2pc-bank-unsafe-heuristic"], CampaignCommand.Selected(runs, "2pc-bank-unsafe-heuristic, 2pc-bank,2pc-bank").Select(r => r.Name));
    }
}
