namespace Ddia.Verify.Reports.Tests;

/// <summary>A fresh directory per test, removed afterwards unless DDIA_KEEP_TEST_OUTPUT is set (to look at the report).</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ddia-reports-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("DDIA_KEEP_TEST_OUTPUT") is null) Directory.Delete(Path, recursive: true);
    }
}
