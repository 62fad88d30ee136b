using System.Diagnostics;

namespace Ddia.Verify.Environments.Tests.Docker;

/// <summary>Looks at the engine with the docker command line, independently of the code under test.</summary>
internal static class DockerHost
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static string Docker(params string[] arguments) => Local.Machine.Run("docker", arguments);

    /// <summary>Ids of the containers (running or not) with the label (NAME or NAME=value).</summary>
    public static IReadOnlyList<string> Containers(string label) => Lines(Docker("ps", "-a", "-q", "--filter", "label=" + label));

    /// <summary>Names of the networks with the label.</summary>
    public static IReadOnlyList<string> Networks(string label) => Lines(Docker("network", "ls", "-q", "--format", "{{.Name}}", "--filter", "label=" + label));

    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? patience = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < (patience ?? Patience), $"not within {(patience ?? Patience).TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>The Docker tests run one class at a time: opening a session sweeps dead owners' leftovers, so a session opened
/// beside the sweep test would remove the leftovers it is still making.</summary>
[CollectionDefinition(nameof(DockerCollection))]
public sealed class DockerCollection;
