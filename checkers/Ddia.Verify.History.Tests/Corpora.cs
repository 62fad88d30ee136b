namespace Ddia.Verify.History.Tests;

/// <summary>
/// The validation corpora live beside the repository, in <c>&lt;repo&gt;/../shared/corpora</c> (on
/// developer machines /work/shared; in CI a copy of shared/ next to the clone). Tests that need them
/// fail, with this message, when they are missing: a skipped corpus test would hide a broken setup.
/// </summary>
internal static class Corpora
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(string corpus, string relative) => Path.Combine(Root, corpus, relative);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ddia.Verify.sln"))) dir = dir.Parent;
        if (dir is null)
            throw new InvalidOperationException(
                $"cannot find the repository root (a directory holding Ddia.Verify.sln) above {AppContext.BaseDirectory}");
        var corpora = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpora"));
        if (!Directory.Exists(corpora))
            throw new InvalidOperationException(
                $"the validation corpora are missing: expected them at {corpora} "
                + $"(shared/ must sit beside the repository at {dir.FullName})");
        return corpora;
    }

    /// <summary>The rows of a corpus' MANIFEST.tsv, by column name.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Manifest(string corpus)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, corpus, "MANIFEST.tsv"));
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

    public static IReadOnlyDictionary<string, string> Row(string corpus, string file) =>
        Manifest(corpus).Single(r => r["file"] == file);

    /// <summary>Theory data: the "file" column of a manifest, optionally filtered.</summary>
    public static TheoryData<string> Files(string corpus, Func<string, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var row in Manifest(corpus))
            if (where is null || where(row["file"])) data.Add(row["file"]);
        return data;
    }
}

/// <summary>A temporary file holding some text; deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string text, string extension = ".txt")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ddia-history-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
