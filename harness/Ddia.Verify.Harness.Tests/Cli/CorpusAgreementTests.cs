using System.Globalization;
using Ddia.Verify.Harness.Cli;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>
/// Every public corpus history gets the verdict its MANIFEST.tsv gives, from the CLI, given only the
/// file, --model and (where the manifest names one) --initial-value: the format is detected from content.
/// The cases come from the product's <see cref="Corpus.Load"/>, so the tests follow the manifests; the
/// model, initial value and expected exit code are also read from the manifest columns here, so a
/// mistake in Corpus.Load cannot hide itself.
/// </summary>
public class CorpusAgreementTests
{
    private static readonly Lazy<IReadOnlyList<CorpusCase>> Cases = new(() => Corpus.Load(Repo.Corpora));

    public static TheoryData<string, string, string> CorpusCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var c in Cases.Value) data.Add(c.Corpus, c.File, c.Model);
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusCases))]
    public void Check_GivenOnlyTheFileAndModel_ExitsWithTheManifestVerdict(string corpus, string file, string model)
    {
        var row = Repo.Manifest(corpus).Single(r => r["file"] == file);
        var (models, initial) = corpus switch
        {
            "knossos" => KnossosArguments(row),
            "porcupine" => PorcupineArguments(row),
            _ => throw new InvalidOperationException($"unexpected corpus {corpus}"),
        };
        Assert.Contains(model, models);
        var productCase = Cases.Value.Single(c => c.Corpus == corpus && c.File == file && c.Model == model);
        Assert.Equal(initial, productCase.InitialValue);

        var path = Path.Combine(Repo.Corpora, corpus, file);
        string[] args = initial is null
            ? ["check", path, "--model", model]
            : ["check", path, "--model", model, "--initial-value", initial];
        var run = Cli.Run(args);

        var expected = ExpectedExitCode(row);
        Assert.True(run.Exit == expected,
            $"{corpus}/{file} --model {model}: expected exit {expected} (manifest: '{row["expected"]}'), got {run.Exit}\n"
            + $"stdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.Equal("", run.Stderr);   // corpus files are well formed: no warnings
    }

    [Fact]
    public void CorpusLoad_CoversEveryManifestRow()
    {
        var porcupine = Repo.Manifest("porcupine");
        var knossos = Repo.Manifest("knossos");
        Assert.Equal(109, porcupine.Count);
        Assert.Equal(122, knossos.Count);

        var expected = porcupine.SelectMany(r => PorcupineArguments(r).Models.Select(m => ("porcupine", r["file"], m)))
            .Concat(knossos.SelectMany(r => KnossosArguments(r).Models.Select(m => ("knossos", r["file"], m))))
            .OrderBy(x => x)
            .ToList();
        var loaded = Cases.Value.Select(c => (c.Corpus, c.File, c.Model)).OrderBy(x => x).ToList();
        Assert.Equal(expected, loaded);
        Assert.Equal(109 + 4 + 122, loaded.Count);   // the four 1- and 10-client kv logs are also checked as one map
        Assert.All(Cases.Value, c => Assert.True(File.Exists(c.Path), $"{c.Path} is missing"));
    }

    [Fact]
    public void CorpusCommand_AgreesWithEveryManifest()
    {
        var run = Cli.Run("corpus", "--corpora", Repo.Corpora);
        Assert.True(run.Exit == 0, $"exit {run.Exit}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("file", lines[0], StringComparison.Ordinal);
        Assert.Equal(1 + Cases.Value.Count + 1, lines.Length);   // header, one row per case, summary
        Assert.DoesNotContain(lines, l => l.Contains("DISAGREES", StringComparison.Ordinal));
        Assert.StartsWith($"{Cases.Value.Count} histories, 0 disagreements", lines[^1], StringComparison.Ordinal);
        Assert.Contains("0 disagreements", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void CorpusCommand_WhenCorporaAreMissing_Exits254()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"ddia-no-corpora-{Guid.NewGuid():N}");
        var run = Cli.Run("corpus", "--corpora", missing);
        Assert.Equal(ExitCodes.BadInput, run.Exit);
        Assert.Contains(missing, run.Stderr, StringComparison.Ordinal);
    }

    // ---- the manifest columns, read independently of Corpus.Load

    /// <summary>
    /// Knossos: the model is the name after "knossos.model/" in the model column (checked against the
    /// column's first word); the initial value is what the source's tests construct the model with, at the
    /// start of initial_state: an integer, or an EDN map; "unlocked" (the mutex) takes none.
    /// </summary>
    private static (string[] Models, string? Initial) KnossosArguments(IReadOnlyDictionary<string, string> row)
    {
        var column = row["model"];
        const string marker = "knossos.model/";
        var at = column.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"knossos manifest row {row["file"]}: model column '{column}' names no knossos.model/");
        var name = new string(column[(at + marker.Length)..].TakeWhile(ch => char.IsLetterOrDigit(ch) || ch == '-').ToArray());
        Assert.Equal(name, column.Split(' ')[0]);

        var state = row["initial_state"].Trim();
        string? initial;
        if (state.StartsWith('{'))
        {
            initial = state[..(state.IndexOf('}', StringComparison.Ordinal) + 1)];
        }
        else
        {
            var digits = new string(state.TakeWhile(char.IsDigit).ToArray());
            initial = digits.Length > 0 ? digits : null;
            Assert.True(initial is not null || state == "unlocked", $"knossos manifest row {row["file"]}: unexpected initial_state '{state}'");
        }
        return ([name], initial);
    }

    /// <summary>
    /// Porcupine: etcd logs are a cas register starting nil; kv logs are checked key by key, and those
    /// Porcupine also tests "NoPartition" are checked again with the whole map as one state.
    /// </summary>
    private static (string[] Models, string? Initial) PorcupineArguments(IReadOnlyDictionary<string, string> row)
    {
        var column = row["model"];
        if (column.StartsWith("etcd ", StringComparison.Ordinal)) return (["cas-register"], null);
        Assert.StartsWith("kv store", column, StringComparison.Ordinal);
        return row["upstream_tests"].Split(',').Any(t => t.Contains("NoPartition", StringComparison.Ordinal))
            ? (["kv", "kv-map"], null)
            : (["kv"], null);
    }

    private static int ExpectedExitCode(IReadOnlyDictionary<string, string> row)
    {
        var expected = row["expected"];
        if (expected is "linearizable" or "valid") return ExitCodes.Valid;
        if (expected is "not" or "invalid") return ExitCodes.Invalid;
        // etcd_095.log: an empty file with no upstream verdict. An empty history is trivially linearizable.
        Assert.StartsWith("n/a", expected, StringComparison.Ordinal);
        var count = row.TryGetValue("ops_count", out var c) ? c : row["ops"];
        Assert.Equal(0, int.Parse(count, CultureInfo.InvariantCulture));
        return ExitCodes.Valid;
    }
}
