namespace Ddia.Verify.Node.Leader;

/// <summary>Placeholder until the system lands (issue 6).</summary>
internal static class LeaderApp
{
    public static Task<int> RunAsync(NodeOptions options) => throw new NotSupportedException($"--system {options.System} is not built yet");
}
