using System.Globalization;
using Ddia.Verify.Harness.Cli;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>What one in-process run of the command line returned and printed.</summary>
internal sealed record CliRun(int Exit, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {Exit}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs <see cref="Commands.Run"/> in-process with captured output.</summary>
internal static class Cli
{
    public static CliRun Run(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exit = Commands.Run(args, stdout, stderr);
        return new CliRun(exit, stdout.ToString(), stderr.ToString());
    }
}
