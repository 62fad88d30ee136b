using System.Diagnostics;
using System.Text;
using Ddia.Verify.Testing;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>One <c>./ddia-verify</c> child process, as a user starts it from the repository root.</summary>
internal sealed class Launcher : IDisposable
{
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly Process process;

    private Launcher(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    public string Stdout { get { lock (stdout) return stdout.ToString(); } }

    public string Output => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

    private string Stderr { get { lock (stderr) return stderr.ToString(); } }

    public static Launcher Start(params string[] args)
    {
        var dll = Path.Combine(RepoFiles.Root, "harness", "Ddia.Verify.Harness", "bin", "Release", "net10.0", "ddia-verify.dll");
        Assert.True(File.Exists(dll), $"run make build first: {dll} is missing (these tests build nothing)");
        var start = new ProcessStartInfo(Path.Combine(RepoFiles.Root, "ddia-verify"))
        {
            WorkingDirectory = RepoFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        return new Launcher(Process.Start(start) ?? throw new InvalidOperationException("could not start ./ddia-verify"));
    }

    /// <summary>Runs to the end (bounded) and returns the exit code.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(TimeSpan limit, params string[] args)
    {
        using var launcher = Start(args);
        var exit = await launcher.WaitAsync(limit);
        return (exit, launcher.Output);
    }

    public async Task<int> WaitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"./ddia-verify did not finish within {limit}\n{Output}");
        }
        process.WaitForExit();   // drains the output readers
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
