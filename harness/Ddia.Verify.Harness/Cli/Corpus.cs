using System.Globalization;
using Ddia.Verify.Checkers;

namespace Ddia.Verify.Harness.Cli;

/// <summary>One history of a public corpus with the verdict its manifest gives, and how to check it.</summary>
public sealed record CorpusCase(string Corpus, string File, string Path, string Model, string? InitialValue, string Expected)
{
    public string Name => Model is "kv-map" ? $"{Corpus}/{File} (unpartitioned)" : $"{Corpus}/{File}";

    /// <summary>The validity the manifest expects, or null where it names none (an empty, untested file).</summary>
    public Validity? ExpectedValidity => Expected switch
    {
        "linearizable" or "valid" => Validity.Valid,
        "not" or "invalid" => Validity.Invalid,
        _ => null,
    };
}

/// <summary>
/// Reads the manifests of ../shared/corpora (porcupine/ and knossos/) into cases. The model and
/// initial value come from the manifest's own columns, so every file is checked the way its source
/// checked it, with nothing special-cased per file.
/// </summary>
public static class Corpus
{
    public static IReadOnlyList<CorpusCase> Load(string root)
    {
        if (!Directory.Exists(root))
            throw new UsageException($"{root}: no corpora there (expected ../shared/corpora beside the repository, or --corpora DIR)");
        var cases = new List<CorpusCase>();
        foreach (var row in Rows(Path.Combine(root, "porcupine", "MANIFEST.tsv")))
        {
            var file = row["file"];
            var path = Path.Combine(root, "porcupine", file);
            if (file.StartsWith("kv/", StringComparison.Ordinal))
            {
                cases.Add(new("porcupine", file, path, "kv", null, row["expected"]));
                // Porcupine also checks its 1- and 10-client kv logs with the whole map as one state.
                if (row["upstream_tests"].Contains("NoPartition", StringComparison.Ordinal))
                    cases.Add(new("porcupine", file, path, "kv-map", null, row["expected"]));
            }
            else
            {
                cases.Add(new("porcupine", file, path, "cas-register", null, row["expected"]));
            }
        }
        foreach (var row in Rows(Path.Combine(root, "knossos", "MANIFEST.tsv")))
        {
            var model = row["model"].Split(' ')[0];
            cases.Add(new("knossos", row["file"], Path.Combine(root, "knossos", row["file"]), model, InitialValue(row["initial_state"]), row["expected"]));
        }
        return cases;
    }

    /// <summary>The value at the start of the manifest's initial_state column: "0 (core_test…)" → 0, "{:x 0 :y 0}" → the map.</summary>
    private static string? InitialValue(string column)
    {
        column = column.Trim();
        if (column.StartsWith('{')) return column[..(column.IndexOf('}', StringComparison.Ordinal) + 1)];
        var first = column.Split(' ')[0];
        return long.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) || first == "nil" ? first : null;
    }

    private static IEnumerable<Dictionary<string, string>> Rows(string manifest)
    {
        if (!File.Exists(manifest)) throw new UsageException($"{manifest}: missing");
        var lines = File.ReadAllLines(manifest);
        var header = lines[0].Split('\t');
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var cells = lines[i].Split('\t');
            if (cells.Length < header.Length) throw new UsageException($"{manifest}:{i + 1}: expected {header.Length} columns, got {cells.Length}");
            yield return header.Select((h, c) => (h, cells[c])).ToDictionary(p => p.h, p => p.Item2);
        }
    }
}
