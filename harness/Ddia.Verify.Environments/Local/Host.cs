using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Local;

/// <summary>ip and iptables on the host, for setting up and tearing down the network.</summary>
internal static class Host
{
    private static readonly TimeSpan TeardownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs a command that must succeed.</summary>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        var info = ProcessRunner.StartInfo(file, arguments);
        var result = await ProcessRunner.RunAsync(info, cancellation).ConfigureAwait(false);
        return result.Succeeded ? result.Stdout : throw new EnvironmentCommandException(ProcessRunner.Describe(info), result);
    }

    /// <summary>Teardown: runs, never throws, returns what happened (a missing binary counts as a failure).</summary>
    public static ExecResult TryRun(string file, params string[] arguments)
    {
        try
        {
            return ProcessRunner.Run(ProcessRunner.StartInfo(file, arguments), TeardownTimeout);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ExecResult(-1, "", e.Message);
        }
    }
}
