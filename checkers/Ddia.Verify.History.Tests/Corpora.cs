namespace Ddia.Verify.History.Tests;

/// <summary>The validation corpora, as the History tests use them (located by <c>RepoFiles</c>).</summary>
internal static class Corpora
{
    public static string Root => Ddia.Verify.Testing.RepoFiles.Corpora;

    public static string PathOf(string corpus, string relative) => Path.Combine(Root, corpus, relative);

    /// <summary>The rows of a corpus' MANIFEST.tsv, by column name.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Manifest(string corpus) => Ddia.Verify.Testing.RepoFiles.Manifest(corpus);

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
