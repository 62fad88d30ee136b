namespace Ddia.Verify.Testing;

/// <summary>
/// Where tests find the repository and the validation corpora, shared by every test project that
/// needs them (compiled into each, so no project depends on another for it). The corpora live beside
/// the repository, in <c>&lt;repo&gt;/../shared/corpora</c> (on developer machines /work/shared; in CI a
/// copy of shared/ next to the clone). A missing corpus fails the test with this message: a skipped
/// corpus test would hide a broken setup.
/// </summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> RootPath = new(FindRoot);
    private static readonly Lazy<string> CorporaPath = new(FindCorpora);

    /// <summary>The directory holding Ddia.Verify.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>&lt;repo&gt;/../shared/corpora, as an absolute path.</summary>
    public static string Corpora => CorporaPath.Value;

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ddia.Verify.sln"))) dir = dir.Parent;
        if (dir is null)
            throw new InvalidOperationException(
                $"cannot find the repository root (a directory holding Ddia.Verify.sln) above {AppContext.BaseDirectory}");
        return dir.FullName;
    }

    private static string FindCorpora()
    {
        var corpora = Path.GetFullPath(Path.Combine(Root, "..", "shared", "corpora"));
        if (!Directory.Exists(corpora))
            throw new InvalidOperationException(
                $"the validation corpora are missing: expected them at {corpora} (shared/ must sit beside the repository at {Root})");
        return corpora;
    }

    /// <summary>The rows of a corpus' MANIFEST.tsv, by column name, read independently of the product's own reader.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Manifest(string corpus)
    {
        var lines = File.ReadAllLines(Path.Combine(Corpora, corpus, "MANIFEST.tsv"));
        var header = lines[0].Split('\t');
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split('\t');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++) row[header[i]] = i < cells.Length ? cells[i] : "";
            rows.Add(row);
        }
        return rows;
    }
}
