using System.Diagnostics;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Local;

/// <summary>Runs an argument vector (never a shell string) and captures its output.</summary>
internal static class ProcessRunner
{
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> arguments, string? workingDirectory = null,
        IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        if (workingDirectory is not null)
            info.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment ?? [])
            info.Environment[name] = value;
        return info;
    }

    /// <summary>Runs to completion; on cancellation kills the process (and its children) and throws.</summary>
    public static async Task<ExecResult> RunAsync(ProcessStartInfo info, CancellationToken cancellation)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Describe(info)}");
        // Commands see end of input, never the harness's own stdin.
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellation).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            throw;
        }
        return new ExecResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Synchronous, for teardown (which may run in a ProcessExit handler); a run past
    /// <paramref name="timeout"/> is killed.</summary>
    public static ExecResult Run(ProcessStartInfo info, TimeSpan timeout)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Describe(info)}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (!process.WaitForExit(timeout) || !Task.WaitAll([stdout, stderr], timeout))
        {
            KillQuietly(process);
            return new ExecResult(-1, "", $"timed out after {timeout.TotalSeconds:0.#} s");
        }
        return new ExecResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Describe(ProcessStartInfo info) => string.Join(' ', [info.FileName, .. info.ArgumentList]);

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already exited: nothing left to kill.
        }
    }
}
