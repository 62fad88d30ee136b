using Ddia.Verify.Testing;

namespace Ddia.Verify.Reports.Browser.Tests;

/// <summary>Where a test class writes the reports it opens: under artifacts/browser/reports/, removed afterwards unless
/// DDIA_KEEP_TEST_OUTPUT is set (the screenshots always stay).</summary>
public sealed class OutputDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(Artefacts.Directory, "reports", Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("DDIA_KEEP_TEST_OUTPUT") is null && Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
