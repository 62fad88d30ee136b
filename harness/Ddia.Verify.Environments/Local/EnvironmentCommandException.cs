using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Local;

/// <summary>A host command (ip, iptables) the environment needs failed; names the command and what it printed.</summary>
public sealed class EnvironmentCommandException(string command, ExecResult result)
    : Exception($"`{command}` exited {result.ExitCode}: {result.Stderr.Trim()}")
{
    public string Command { get; } = command;

    public ExecResult Result { get; } = result;
}
