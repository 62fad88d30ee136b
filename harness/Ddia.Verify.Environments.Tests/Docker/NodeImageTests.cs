using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Docker;

namespace Ddia.Verify.Environments.Tests.Docker;

[Trait("Category", "Process")]
[Collection(nameof(DockerCollection))]
public sealed class NodeImageTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Image_IsTaggedByContent_ReusedWhileUnchanged_AndHasProgramsAtTheirHostPaths()
    {
        var directory = Directory.CreateTempSubdirectory("ddv-image-test-").FullName;
        var program = Path.Combine(directory, "program");
        File.Copy("/usr/bin/echo", program);
        var environment = new DockerEnvironment(new DockerEnvironmentOptions { Programs = [program], Firewall = false });
        var tags = new List<string>();
        try
        {
            var first = await environment.EnsureImageAsync(None);
            tags.Add(first);
            var id = DockerHost.Docker("image", "inspect", "-f", "{{.Id}}", first).Trim();
            Assert.Equal(first, await environment.EnsureImageAsync(None));
            Assert.Equal(id, DockerHost.Docker("image", "inspect", "-f", "{{.Id}}", first).Trim());   // not imported again

            File.SetLastWriteTimeUtc(program, DateTime.UtcNow.AddMinutes(-1));   // same bytes, other time: same image
            Assert.Equal(first, await environment.EnsureImageAsync(None));

            File.Copy("/usr/bin/printf", program, overwrite: true);
            var second = await environment.EnsureImageAsync(None);
            tags.Add(second);
            Assert.NotEqual(first, second);

            await using var session = await environment.OpenAsync("docker-image-test", 1, None);
            var n1 = session.Nodes[0];
            Assert.Equal("a-b", await session.Remote.RunAsync(n1, [program, "%s-%s", "a", "b"], None));
            Assert.Equal(RemoteCapabilities.Exec | RemoteCapabilities.Signals, session.Remote.Capabilities);
            Assert.Contains(session.Limitations, l => l.Contains("partitions and packet loss are unavailable", StringComparison.Ordinal));
            Assert.Equal(127, (await session.Remote.ExecAsync(n1, ["iptables", "-S"], None)).ExitCode);
        }
        finally
        {
            foreach (var tag in tags)
                DockerHost.Docker("rmi", tag);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Image_KnowsRootAndTheUsersAskedFor_WithTheirHostIds()
    {
        // Debian's postgresql package makes the postgres user (.ci/run installs it); daemon is on every Debian host.
        var environment = new DockerEnvironment(new DockerEnvironmentOptions { Programs = ["/usr/bin/id"], Users = ["postgres"], Firewall = false });
        var tag = await environment.EnsureImageAsync(None);
        try
        {
            await using var session = await environment.OpenAsync("docker-users-test", 1, None);
            var n1 = session.Nodes[0];
            foreach (var flag in (string[])["-u", "-g", "-gn"])
                Assert.Equal(Local.Machine.Run("id", flag, "postgres").Trim(), (await session.Remote.RunAsync(n1, ["id", flag, "postgres"], None)).Trim());
            Assert.Equal("root", (await session.Remote.RunAsync(n1, ["id", "-un"], None)).Trim());
            Assert.Equal(1, (await session.Remote.ExecAsync(n1, ["id", "daemon"], None)).ExitCode);   // not asked for
        }
        finally
        {
            DockerHost.Docker("rmi", tag);
        }

        var unknown = new DockerEnvironment(new DockerEnvironmentOptions { Programs = ["/usr/bin/id"], Users = ["ddv-no-such-user"], Firewall = false });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => unknown.EnsureImageAsync(None));
        Assert.Contains("'ddv-no-such-user'", error.Message, StringComparison.Ordinal);
    }
}
