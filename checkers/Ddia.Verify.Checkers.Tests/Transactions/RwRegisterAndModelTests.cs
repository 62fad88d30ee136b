using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Tests.Transactions;

/// <summary>rw-register inference (<c>wx1</c> writes 1 to x, <c>rx=1</c> reads 1, <c>rx=_</c> reads nil) and the model tables.</summary>
public sealed class RwRegisterAndModelTests
{
    private static TxnCheckResult Check(string history, TxnCheckOptions? options = null) =>
        new TransactionalChecker(TxnWorkload.RwRegister, options).Analyze(Txns.Parse(history));

    [Fact]
    public void WriteSkew_BothReadTheInitialVersions_G2Item()
    {
        var r = Check("p0 rx=_ ry=_ wx1 [0,10] | p1 rx=_ ry=_ wy1 [0,10]", new TxnCheckOptions { ConsistencyModels = ["snapshot-isolation"] });
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G2-item", cycle.Kind);
        Assert.All(cycle.Steps, s => Assert.IsType<Why.ReadWrite>(s.Why));
        Assert.Contains("initial (nil) version", cycle.Explanation, StringComparison.Ordinal);
        Assert.Equal(Validity.Valid, r.Validity);
    }

    [Fact]
    public void ReadSkew_GSingle_WrThenRwBackToTheInitialVersion()
    {
        var r = Check("p0 wx1 wy1 [0,10] | p1 rx=_ ry=1 [5,20]");
        Assert.Equal("G-single-item", Assert.Single(r.Cycles).Kind);
    }

    [Fact]
    public void LostUpdate_WithoutVersionOrderOptions_OnlyTheLostUpdate()
    {
        const string h = "p0 wx0 [0,5] | p1 rx=0 wx1 [10,20] | p2 rx=0 wx2 [10,20]";
        var plain = Check(h);
        Assert.Equal(["lost-update"], plain.AnomalyTypes);
        Assert.Empty(plain.Cycles);

        // Writes follow reads: 0 < 1 and 0 < 2, so each rewrite anti-depends on the other's read.
        var wfr = Check(h, new TxnCheckOptions { WfrKeys = true });
        Assert.Contains("G2-item", wfr.AnomalyTypes);
    }

    [Fact]
    public void LinearizableKeys_StaleReadOfAnOverwrittenValue_IsACycle()
    {
        // Without the assumption, nothing orders the writes 1 and 2; with it, 1 < 2 in real time, so reading 1 later is stale.
        const string h = "p0 wx1 [0,10] | p1 wx2 [20,30] | p2 rx=1 [40,50]";
        Assert.Equal(Validity.Valid, Check(h).Validity);
        var linearizable = Check(h, new TxnCheckOptions { LinearizableKeys = true });
        Assert.Equal(Validity.Invalid, linearizable.Validity);
        Assert.Contains(linearizable.Cycles, c => c.Steps.Any(s => s.Rel == Rel.WW));
    }

    [Fact]
    public void SequentialKeys_ProcessSeesVersionsGoBackwards()
    {
        const string h = "p0 wx1 [0,10] | p1 rx=1 [20,30] | p2 wx2 [0,30] | p1 rx=2 [40,50] | p1 rx=1 [60,70]";
        Assert.Equal(Validity.Invalid, Check(h, new TxnCheckOptions { SequentialKeys = true, ConsistencyModels = ["serializable"] }).Validity);
    }

    [Fact]
    public void G1aAndG1bAndGarbage_AreNamed()
    {
        var r = Check("p0 wx1 [0,10]:fail | p1 wy1 wy2 [0,10] | p2 rx=1 ry=1 rz=7 [20,30]");
        Assert.Contains(r.Findings, f => f.Kind == "G1a" && f.Element == Value.Of(1));
        Assert.Contains(r.Findings, f => f.Kind == "G1b" && f.Key == Value.Of("y"));
        Assert.Contains(r.Findings, f => f.Kind == "garbage-read" && f.Element == Value.Of(7));
    }

    [Fact]
    public void Internal_ReadDisagreesWithOwnWrite()
    {
        var r = Check("p0 wx1 rx=_ [0,10]");
        Assert.Single(r.Findings, f => f.Kind == "internal");
    }

    [Fact]
    public void Models_G2ItemRulesOutRepeatableReadAndStrongerButNotSnapshotIsolation()
    {
        var impossible = ConsistencyModels.Impossible(["G2-item"]);
        Assert.Contains("repeatable-read", impossible);
        Assert.Contains("serializable", impossible);
        Assert.Contains("strict-serializable", impossible);
        Assert.DoesNotContain("snapshot-isolation", impossible);
        Assert.DoesNotContain("read-committed", impossible);
        Assert.Equal(["repeatable-read"], ConsistencyModels.Boundary(["G2-item"]).Not);
    }

    [Fact]
    public void Models_LostUpdateRulesOutSnapshotIsolationButNotReadCommitted()
    {
        var impossible = ConsistencyModels.Impossible(["lost-update"]);
        Assert.Contains("snapshot-isolation", impossible);
        Assert.Contains("repeatable-read", impossible);
        Assert.DoesNotContain("read-committed", impossible);
        Assert.DoesNotContain("monotonic-atomic-view", impossible);
    }

    [Fact]
    public void Models_ProhibitedAnomaliesFollowTheHierarchy()
    {
        var rc = ConsistencyModels.Prohibited(["read-committed"]);
        Assert.Superset(new HashSet<string> { "G0", "G1a", "G1b", "G1c", "dirty-update", "incompatible-order" }, (HashSet<string>)rc);
        Assert.DoesNotContain("G2-item", rc);
        Assert.DoesNotContain("G-single-item", rc);
        var strict = ConsistencyModels.Prohibited(["strict-serializable"]);
        Assert.Contains("G-single-item-realtime", strict);
        Assert.Contains("lost-update", strict);
        Assert.DoesNotContain("G-single-item-realtime", ConsistencyModels.Prohibited(["serializable"]));
        Assert.Contains("G-single-item-process", ConsistencyModels.Prohibited(["strong-session-snapshot-isolation"]));
        Assert.DoesNotContain("G-single-item-process", ConsistencyModels.Prohibited(["snapshot-isolation"]));
    }

    [Fact]
    public void Models_AliasesAndUnknownNames()
    {
        Assert.Equal("strict-serializable", ConsistencyModels.Canonical("strong-serializable"));
        Assert.Equal("repeatable-read", ConsistencyModels.Canonical("PL-2.99"));
        Assert.Null(ConsistencyModels.Canonical("serialisable"));
        foreach (var m in new[] { "read-uncommitted", "read-committed", "monotonic-atomic-view", "repeatable-read", "snapshot-isolation", "serializable", "strict-serializable",
                     "strong-session-read-committed", "strong-session-snapshot-isolation", "strong-session-serializable" })
            Assert.Contains(m, ConsistencyModels.All);
    }
}
