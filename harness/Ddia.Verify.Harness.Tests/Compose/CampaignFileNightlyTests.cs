using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>campaigns/nightly.yaml as it is in the repository: every run composes, every system is in it, and it
/// expects what the built-in campaigns expect.</summary>
public class CampaignFileNightlyTests
{
    private static readonly string Nightly = Path.Combine(Repo.Root, "campaigns", "nightly.yaml");

    /// <summary>A file that exists, for the composer's check that the node program does (nothing is started).</summary>
    private static readonly string AnyFile = typeof(CampaignFileNightlyTests).Assembly.Location;

    [Fact]
    public void Nightly_EveryRunResolvesAndComposes_WithAUniqueName()
    {
        var file = CampaignFile.Load(Nightly);

        Assert.Equal("nightly", file.Name);
        Assert.Equal(file.Runs.Count, file.Runs.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.True(file.Runs.Count >= 30, $"only {file.Runs.Count} runs");
        foreach (var run in file.Campaign(1))
        {
            // The environments axis of the defaults names local runs; the docker entries are docker alone.
            Assert.True(run.Options.Environment is "local" or "docker", run.Name);
            if (run.Options.Environment == "local") Assert.EndsWith("/local", run.Name, StringComparison.Ordinal);
            var error = Record.Exception(() => TestComposer.Compose(run.Options with { NodeProgram = ProgramFor(run.Options) }, out _));
            Assert.True(error is null, $"{file.Where(run.Name)}: {run.Name}: {error?.Message}");
        }
        Assert.Contains(file.Runs, r => r.Options is { Environment: "docker", System: "raft" });
        Assert.Contains(file.Runs, r => r.Options is { Environment: "docker", System: "postgres" });
    }

    /// <summary>The node program composing asks for: the framework-dependent dll on the local machine, a self-contained
    /// executable (any existing file that is not a dll will do: nothing is started) for containers.</summary>
    private static string ProgramFor(RunOptions options) => options.Environment == "local" ? AnyFile : Path.Combine(Repo.Root, "ddia-verify");

    [Fact]
    public void Nightly_CoversEveryReferenceSystemAndRealTarget()
    {
        var systems = CampaignFile.Load(Nightly).Runs.Select(r => r.Options.System).ToHashSet(StringComparer.Ordinal);

        Assert.All(TestComposer.Systems, s => Assert.Contains(s, systems));
        Assert.Contains("postgres", systems);
        var runs = CampaignFile.Load(Nightly).Runs;
        // Every isolation level of the transactional store, and of PostgreSQL.
        Assert.Equal(["2pl", "read-committed", "serial", "serializable", "snapshot"],
            runs.Where(r => r.Options.System == "txn").Select(r => r.Options.IsolationLevel).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["read-committed", "repeatable-read", "serializable"],
            runs.Where(r => r.Options.System == "postgres").Select(r => r.Options.IsolationLevel).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(runs, r => r.Options is { System: "2pc", UnsafeHeuristic: true } && r.Expected == Validity.Invalid);
        Assert.Contains(runs, r => r.Options is { System: "leaderless", SloppyQuorum: true });
        Assert.Contains(runs, r => r.Options is { System: "leaderless", W: 1 } && r.Expected == Validity.Invalid);
        Assert.Equal(["lock-set", "register"], runs.Where(r => r.Options.System == "etcd").Select(r => r.Options.Workload).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>Where the nightly runs what a built-in campaign runs (same system, knobs, workload and faults), it
    /// expects the same verdict and at least the same anomalies.</summary>
    [Fact]
    public void Nightly_ExpectsWhatTheBuiltInCampaignsExpect()
    {
        var nightly = CampaignFile.Load(Nightly).Campaign(1);
        var compared = 0;
        foreach (var known in DefaultCampaign.Runs(1).Concat(ValidationCampaign.Runs(1)))
        {
            var same = nightly.Where(n => Same(n.Options, known.Options)).ToList();
            foreach (var run in same)
            {
                compared++;
                Assert.True(run.Expected == known.Expected, $"{run.Name}: expects {run.Expected.Name()}, {known.Name} expects {known.Expected.Name()}");
                Assert.All(known.Finds, f => Assert.Contains(f, run.Finds));
                Assert.All(known.NeverFinds, f => Assert.Contains(f, run.NeverFinds));
            }
        }
        Assert.True(compared >= 20, $"only {compared} nightly runs match a built-in one");
    }

    private static bool Same(RunOptions a, RunOptions b) =>
        a.System == b.System && a.Configuration == b.Configuration && a.Workload == b.Workload && a.Nemesis.SequenceEqual(b.Nemesis) && a.Scenario == b.Scenario;
}
