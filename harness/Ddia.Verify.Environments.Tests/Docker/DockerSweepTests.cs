using System.Globalization;
using Ddia.Verify.Environments.Docker;

namespace Ddia.Verify.Environments.Tests.Docker;

[Trait("Category", "Process")]
[Collection(nameof(DockerCollection))]
public sealed class DockerSweepTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task LeftoversOfADeadOwner_AreSweptByTheNextOpen_ThoseOfALiveOwnerAreNot()
    {
        var options = DockerSessionTests.Options;
        var image = await new DockerEnvironment(options).EnsureImageAsync(None);
        // A harness that was kill -9'd: its pid names no running process (and its start time matches none).
        var deadPid = FindUnusedPid();
        var dead = Leftover(image, string.Create(CultureInfo.InvariantCulture, $"{deadPid}:12345"),
            string.Create(CultureInfo.InvariantCulture, $"ddv-{deadPid}-12345-1"));
        var deadDirectory = Path.Combine(options.WorkRoot, dead, "n1");
        Directory.CreateDirectory(deadDirectory);
        await File.WriteAllTextAsync(Path.Combine(deadDirectory, "node.log"), "left behind\n");
        // A live harness's session (this process's owner label, another session name): not to be touched.
        var live = Leftover(image, HarnessProcess.Current.ToString(), $"ddv-live-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Assert.Single(DockerHost.Containers($"ddia-verify.session={dead}"));

            await using (var session = await new DockerEnvironment(options).OpenAsync("docker-sweep-test", 1, None))
            {
                Assert.Empty(DockerHost.Containers($"ddia-verify.session={dead}"));
                Assert.Empty(DockerHost.Networks($"ddia-verify.session={dead}"));
                Assert.False(Directory.Exists(Path.Combine(options.WorkRoot, dead)), "the dead session's directory was swept");
                Assert.Single(DockerHost.Containers($"ddia-verify.session={live}"));
                Assert.Single(DockerHost.Networks($"ddia-verify.session={live}"));
            }
        }
        finally
        {
            DockerHost.Docker("rm", "-f", live + "-n1");
            DockerHost.Docker("network", "rm", live);
        }
    }

    /// <summary>A network and a running container with our labels, made with the docker command line; returns the session name.</summary>
    private static string Leftover(string image, string owner, string session)
    {
        string[] labels = ["--label", $"ddia-verify.owner={owner}", "--label", $"ddia-verify.session={session}"];
        DockerHost.Docker(["network", "create", .. labels, session]);
        DockerHost.Docker(["run", "-d", "--init", "--name", session + "-n1", .. labels, "--network", session, image, "sleep", "infinity"]);
        return session;
    }

    private static int FindUnusedPid()
    {
        for (var pid = 4_000_000; pid > 300; pid--)
            if (!Directory.Exists(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}")))
                return pid;
        throw new InvalidOperationException("no unused pid");
    }
}
