using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>The validation campaign expects the published results of etcd and PostgreSQL; its runs compose and their
/// command lines mean the same test. Nothing is started.</summary>
public sealed class ValidationCampaignTests
{
    public static TheoryData<string> Validation() => [.. ValidationCampaign.Runs(7).Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Validation))]
    public void EveryValidationRun_Composes_AndItsCommandLineParsesBackToTheSameTest(string name)
    {
        var run = ValidationCampaign.Runs(7).Single(r => r.Name == name);
        var options = run.Options with { Name = name };

        var spec = TestComposer.Compose(options, out var unavailable);
        Assert.Equal(name, spec.Name);
        Assert.True(spec.Options["system"] is "etcd" or "postgres", spec.Options["system"]);
        if (TestComposer.NamespacesUnavailable() is null) Assert.Empty(unavailable);

        // These command lines have no quoted words: split on spaces. Parsed back, the options print the same line.
        var words = options.CommandLine().Split(' ');
        Assert.Equal(("./ddia-verify", "run"), (words[0], words[1]));
        Assert.Equal(options.CommandLine(), RunFlags.Parse(words[2..]).CommandLine());
    }

    [Fact]
    public void ValidationCampaign_ExpectsTheKnownResults_AndIsNotPartOfTheDefaultCampaign()
    {
        var runs = ValidationCampaign.Runs(1);
        Assert.Equal(
            [
                "etcd-linearizable: valid",
                "etcd-serializable-reads: invalid: nonlinearizable",
                "etcd-lock-set-pauses: invalid: lost",
                "postgres-read-committed: invalid: lost-update, G-single; never G0, G1a, G1b, G1c",
                "postgres-repeatable-read: invalid: G2-item; never G0, G1a, G1b, G1c, internal, G-single, lost-update",
                "postgres-serializable: valid; over ≥ 10,000 ok ops",
                "postgres-serializable-crashes: valid; never G1a, lost-update, incompatible-order",
            ],
            runs.Select(r => $"{r.Name}: {r.Expectation}"));
        Assert.DoesNotContain(DefaultCampaign.Runs(1), r => r.Options.System is "etcd" or "postgres");
        Assert.Equal(["etcd-lock-set-pauses"], CampaignCommand.Selected(runs, "lock-set").Select(r => r.Name));
        Assert.Equal(4, CampaignCommand.Selected(runs, "postgres").Count());
        Assert.Empty(CampaignCommand.Create(TextWriter.Null).Parse(["--validation", "--only", "etcd-linearizable"]).Errors);
    }
}
