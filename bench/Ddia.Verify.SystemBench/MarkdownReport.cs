namespace Ddia.Verify.SystemBench;

/// <summary>Writes a benchmark's markdown file (and echoes it): the generated part is replaced on every run, a
/// hand-written "## Analysis" section below it survives.</summary>
internal static class MarkdownReport
{
    private const string AnalysisHeading = "\n## Analysis";

    public static void Write(string path, IReadOnlyList<string> lines)
    {
        var output = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var kept = File.Exists(output) && File.ReadAllText(output) is var old && old.IndexOf(AnalysisHeading, StringComparison.Ordinal) is var at and >= 0
            ? old[at..]
            : "";
        File.WriteAllText(output, string.Join('\n', lines) + "\n" + kept);
        Console.WriteLine(string.Join('\n', lines));
    }
}
