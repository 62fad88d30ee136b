namespace Ddia.Verify.Reports.Browser.Tests;

/// <summary>The public histories beside the repository (../shared/corpora), found from the test's directory.</summary>
internal static class Corpora
{
    public static string File(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpora", relative);
            if (System.IO.File.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        throw new FileNotFoundException($"corpus file {relative} not found in shared/corpora above {AppContext.BaseDirectory}");
    }
}
