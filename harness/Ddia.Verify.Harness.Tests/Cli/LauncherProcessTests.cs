using System.Diagnostics;
using Ddia.Verify.Harness.Cli;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>
/// The real thing: <c>./ddia-verify check FILE</c> from the repository root, as README.md shows it,
/// in a child process. Builds nothing: it needs <c>make build</c> (the Release build) to have run.
/// </summary>
[Trait("Category", "Process")]
public class LauncherProcessTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static async Task<CliRun> Launch(params string[] args)
    {
        var dll = Path.Combine(Repo.Root, "harness", "Ddia.Verify.Harness", "bin", "Release", "net10.0", "ddia-verify.dll");
        Assert.True(File.Exists(dll), $"run make build first: {dll} is missing (these tests build nothing)");
        var launcher = Path.Combine(Repo.Root, "ddia-verify");
        Assert.True(File.Exists(launcher), $"the launcher script {launcher} is missing");

        var start = new ProcessStartInfo(launcher)
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {launcher}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"./ddia-verify {string.Join(' ', args)} did not finish within {Limit}");
        }
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The path as a user at the repository root would type it.</summary>
    private static string FromRoot(string path) => Path.GetRelativePath(Repo.Root, path);

    [Fact]
    public async Task Launcher_OnAValidEtcdLog_Exits0()
    {
        var path = FromRoot(Path.Combine(Repo.Corpora, "porcupine", "jepsen", "etcd_002.log"));
        var run = await Launch("check", path);
        Assert.True(run.Exit == ExitCodes.Valid, run.ToString());
        Assert.Contains("porcupine-etcd", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("VALID", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launcher_OnAnInvalidEtcdLog_Exits1AndNamesTheOp()
    {
        var path = FromRoot(Path.Combine(Repo.Corpora, "porcupine", "jepsen", "etcd_000.log"));
        var run = await Launch("check", path);
        Assert.True(run.Exit == ExitCodes.Invalid, run.ToString());
        Assert.Contains("INVALID", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("no linearization can complete", run.Stdout, StringComparison.Ordinal);
        var failure = run.Stdout[run.Stdout.IndexOf("no linearization can complete", StringComparison.Ordinal)..];
        Assert.StartsWith("no linearization can complete p11 read 2 (ok", failure, StringComparison.Ordinal);
        Assert.Contains($"{path}:85", string.Join('\n', failure.Split('\n').Take(2)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launcher_OnAMalformedFile_Exits254NamingFileAndLine()
    {
        var lines = Jsonl.WriteThenRead(1);
        lines[2] = Jsonl.Op(2, 1, "begin", "read", "null");
        var path = dir.Write("malformed.jsonl", Jsonl.Lines(lines));
        var run = await Launch("check", path);
        Assert.True(run.Exit == ExitCodes.BadInput, run.ToString());
        Assert.Contains($"{path}:3: field 'type'", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launcher_WithBadArguments_Exits254()
    {
        var run = await Launch("check");
        Assert.True(run.Exit == ExitCodes.BadInput, run.ToString());
    }
}
