using System.Text;

namespace Ddia.Verify.Harness.Tests;

/// <summary>
/// Where the tests find the repository and the validation corpora. The corpora live beside the
/// repository, in <c>&lt;repo&gt;/../shared/corpora</c> (in CI a copy of shared/ next to the clone).
/// Tests that need them fail with a clear message when they are missing: a skipped corpus test would
/// hide a broken setup.
/// </summary>
internal static class Repo
{
    /// <summary>The directory holding Ddia.Verify.sln.</summary>
    public static string Root => Ddia.Verify.Testing.RepoFiles.Root;

    /// <summary>&lt;repo&gt;/../shared/corpora, as an absolute path.</summary>
    public static string Corpora => Ddia.Verify.Testing.RepoFiles.Corpora;

    /// <summary>The rows of a corpus' MANIFEST.tsv, read here independently of the product's reader.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Manifest(string corpus) => Ddia.Verify.Testing.RepoFiles.Manifest(corpus);
}

/// <summary>A scratch directory for one test class's files; deleted on dispose.</summary>
public sealed class ScratchDir : IDisposable
{
    public ScratchDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ddia-harness-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM, exactly as given) to a new file and returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, $"{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the temp directory is the OS's to clean.
        }
    }
}

/// <summary>JSON Lines text for tests, one op a line, written by hand (not by the product's writer).</summary>
internal static class Jsonl
{
    public static string Op(int index, int process, string type, string f, string value, string? key = null) =>
        key is null
            ? $"{{\"index\":{index},\"time\":{index * 10},\"process\":{process},\"type\":\"{type}\",\"f\":\"{f}\",\"value\":{value}}}"
            : $"{{\"index\":{index},\"time\":{index * 10},\"process\":{process},\"type\":\"{type}\",\"f\":\"{f}\",\"key\":{key},\"value\":{value}}}";

    /// <summary>p0 writes 1, then p1 reads <paramref name="read"/>: valid for 1, invalid otherwise. Four lines.</summary>
    public static string[] WriteThenRead(int read) =>
    [
        Op(0, 0, "invoke", "write", "1"),
        Op(1, 0, "ok", "write", "1"),
        Op(2, 1, "invoke", "read", "null"),
        Op(3, 1, "ok", "read", read.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));
}
