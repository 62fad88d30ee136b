namespace Ddia.Verify.Node.Leaderless;

/// <summary>Placeholder until the system lands (issue 6).</summary>
internal static class LeaderlessApp
{
    public static Task<int> RunAsync(NodeOptions options) => throw new NotSupportedException($"--system {options.System} is not built yet");
}
