using CsCheck;
using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>Campaign files: matrices expand to uniquely named runs through run's own flags, and every mistake names
/// the file, the line and the field.</summary>
public class CampaignFileTests
{
    private const string Path = "campaigns/test.yaml";

    private static CampaignFile Parse(string yaml) => CampaignFile.Parse(yaml, Path);

    private static string Error(string yaml) => Assert.Throws<UsageException>(() => Parse(yaml)).Message;

    [Fact]
    public void Matrix_ExpandsEveryCombination_TimesRepeat_WithNamesFromTheAxes()
    {
        var file = Parse("""
            name: tiny
            seed: 40
            defaults:
              time-limit: 20
              nemesis-interval: 3
            entries:
              - name: raft
                system: raft
                read-mode: [log, index]
                workload: register
                nemesis: [partition+kill, pause]
                repeat: 2
                expect: valid
                why: "linearizable"
              - name: snapshot
                system: txn
                isolation: snapshot
                workload: list-append
                time-limit: 5
                expect: invalid
                finds: [G2-item]
                never-finds: [G0, G1]
            """);

        Assert.Equal("tiny", file.Name);
        Assert.Equal(40UL, file.Seed);
        Assert.Equal(
            [
                "raft/log/partition+kill/1", "raft/log/partition+kill/2", "raft/log/pause/1", "raft/log/pause/2",
                "raft/index/partition+kill/1", "raft/index/partition+kill/2", "raft/index/pause/1", "raft/index/pause/2",
                "snapshot",
            ],
            file.Runs.Select(r => r.Name));

        var first = file.Runs[0].Options;
        Assert.Equal(("raft", "log", "register"), (first.System, first.ReadMode, first.Workload));
        Assert.Equal<string>(["partition", "kill"], first.Nemesis);                  // "+" joins faults in one run
        Assert.Equal(TimeSpan.FromSeconds(20), first.TimeLimit);             // from the defaults
        Assert.Equal(3, first.NemesisInterval);
        Assert.Equal("raft/log/partition+kill/1", first.Name);
        Assert.Equal<string>(["pause"], file.Runs[2].Options.Nemesis);
        Assert.Equal("index", file.Runs[4].Options.ReadMode);

        var snapshot = file.Runs[^1];
        Assert.Equal(TimeSpan.FromSeconds(5), snapshot.Options.TimeLimit);  // the entry overrides the default
        Assert.Equal("snapshot", snapshot.Options.Isolation);
        Assert.Equal(Validity.Invalid, snapshot.Expected);
        Assert.Equal<string>(["G2-item"], snapshot.Finds);
        Assert.Equal<string>(["G0", "G1"], snapshot.NeverFinds);
        Assert.Equal(15, snapshot.Line);

        // Run i gets seed + i; the expectation carries over to the campaign's runs.
        var campaign = file.Campaign(100);
        Assert.Equal(Enumerable.Range(100, 9).Select(i => (ulong)i), campaign.Select(r => r.Options.Seed));
        Assert.Equal("invalid: G2-item; never G0, G1", campaign[^1].Expectation);
        Assert.Equal("linearizable", campaign[0].Why);
        Assert.Equal($"{Path}:15", file.Where("snapshot"));
    }

    [Fact]
    public void Values_GoThroughRunFlags_SoTheFileMeansWhatTheCommandLineMeans()
    {
        var file = Parse("""
            entries:
              - name: quorum
                system: leaderless
                n: 3
                w: [1, 2]
                r: 1
                sloppy-quorum: true
                read-repair: off
                partitions: one+halves
                nemesis: none
                seed: 9
                expect: invalid
                finds: nonlinearizable
            """);

        Assert.Equal("test", file.Name);   // the file's name when it names no campaign
        Assert.Null(file.Seed);
        var (w1, w2) = (file.Runs[0], file.Runs[1]);
        Assert.Equal(["quorum/1", "quorum/2"], file.Runs.Select(r => r.Name));
        Assert.Equal((3, 1, 1), (w1.Options.N, w1.Options.W, w1.Options.R));
        Assert.Equal(2, w2.Options.W);
        Assert.True(w1.Options.SloppyQuorum);
        Assert.False(w1.Options.ReadRepair);
        Assert.Equal<string>(["one", "halves"], w1.Options.Partitions);
        Assert.Empty(w1.Options.Nemesis);
        // The same flags on the command line make the same options.
        var cli = RunFlags.Parse(["--system", "leaderless", "--n", "3", "--w", "1", "--r", "1", "--sloppy-quorum", "--read-repair", "off",
            "--partitions", "one,halves", "--nemesis", "none", "--seed", "9", "--name", "quorum/1"]);
        Assert.Equal(cli.CommandLine(), w1.Options.CommandLine());
        // An entry that fixes its seed keeps it.
        Assert.All(file.Campaign(1000), r => Assert.Equal(9UL, r.Options.Seed));
    }

    [Theory]
    [InlineData("entries:\n  - name: a\n    system: [raft\n", 4, "did not find expected")]           // YAML syntax: where the parser gave up
    [InlineData("entries:\n  - name: a\n    expect: valid\n    sytem: raft\n", 4, "sytem: not a flag of ddia-verify run")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    time-limit: soon\n", 4, "time-limit: ")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    time-limit: -5\n", 4, "time-limit: --time-limit: must be a positive number")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    fencing: [on, maybe]\n", 4, "fencing: --fencing: must be on or off, got 'maybe'")]
    [InlineData("entries:\n  - name: a\n    expect: passes\n", 3, "expect: unknown expectation 'passes'")]
    [InlineData("entries:\n  - name: a\n    expect: invalid\n    finds: [G2-item, G3]\n", 4, "finds: no checker reports an anomaly named 'G3'")]
    [InlineData("entries:\n  - name: a\n    system: raft\n", 2, "expect: entry 'a' says nothing about what it expects")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n  - name: a\n    expect: invalid\n", 4, "name: duplicate run name 'a' (the entry at line 2 has it too)")]
    [InlineData("entries:\n  - name: a\n    read-mode: [log]\n    expect: valid\n  - name: a/log\n    expect: valid\n", 5, "name: duplicate run name 'a/log'")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    store: elsewhere\n", 4, "store: set by the campaign command")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    repeat: 0\n", 4, "repeat: must be a whole number")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    nemesis: []\n", 4, "nemesis: an empty list")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    isolation:\n", 4, "isolation: needs a value")]
    [InlineData("defaults:\n  expect: valid\nentries:\n  - name: a\n    expect: valid\n", 2, "expect: belongs in an entry")]
    [InlineData("name: x\nsed: 4\nentries:\n  - name: a\n    expect: valid\n", 2, "sed: unknown key")]
    [InlineData("seed: -1\nentries:\n  - name: a\n    expect: valid\n", 1, "seed: must be a whole number")]
    [InlineData("name: x\nentries: []\n", 1, "entries: the campaign has no entries")]
    [InlineData("entries:\n  - name: a\n    expect: valid\n    expect: invalid\n", 4, "")]                 // a key twice
    public void Mistakes_NameTheFileTheLineAndTheField(string yaml, int line, string message)
    {
        var error = Error(yaml);
        Assert.StartsWith($"{Path}:{line}:", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AMatrixOfMoreThan2000Runs_IsRejected()
    {
        var error = Error("entries:\n  - name: big\n    expect: valid\n    repeat: 3000\n");
        Assert.StartsWith($"{Path}:4:", error, StringComparison.Ordinal);
        var tooMany = Error("entries:\n  - name: big\n    expect: valid\n    nodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    concurrency: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    rate: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    read-weight: [1, 2, 3]\n");
        Assert.Contains("more than 2000 runs", tooMany, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AMissingFile_IsAUsageError()
    {
        var error = Assert.Throws<UsageException>(() => CampaignFile.Load("/nonexistent/campaign.yaml")).Message;
        Assert.StartsWith("/nonexistent/campaign.yaml: cannot read", error, StringComparison.Ordinal);
    }

    /// <summary>An entry's runs are the product of its axes' lengths times repeat, every name unique, every
    /// combination present once.</summary>
    [Fact]
    public void Expansion_IsTheProductOfTheAxes_TimesRepeat()
    {
        var flags = new[] { ("nodes", new[] { "1", "2", "3", "4" }), ("concurrency", ["1", "2", "5"]), ("read-weight", ["0", "1", "2"]), ("rate", ["10", "20"]) };
        Gen.Select(Gen.Int[0, 4], Gen.Int[1, 3], Gen.Bool, Gen.Int[0, 4]).Sample((axes, repeat, listRest, first) =>
        {
            var chosen = flags.Skip(first % flags.Length).Concat(flags).Take(axes).ToList();
            var lines = chosen.Select(f => $"    {f.Item1}: [{string.Join(", ", f.Item2)}]");
            var rest = listRest ? "    time-limit: [7]" : "    time-limit: 7";
            var file = Parse($"entries:\n  - name: m\n    expect: valid\n    repeat: {repeat}\n{string.Join("\n", lines)}\n{rest}\n");
            var expected = chosen.Aggregate(1, (n, f) => n * f.Item2.Length) * repeat;
            Assert.Equal(expected, file.Runs.Count);
            Assert.Equal(expected, file.Runs.Select(r => r.Name).Distinct().Count());
            var combinations = file.Runs.Select(r => (r.Options.Nodes, r.Options.Concurrency, r.Options.ReadWeight, r.Options.Rate)).Distinct().Count();
            Assert.Equal(expected / repeat, combinations);
            Assert.All(file.Runs, r => Assert.Equal(TimeSpan.FromSeconds(7), r.Options.TimeLimit));
        }, iter: 60);
    }
}
