using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Docker;

namespace Ddia.Verify.Environments.Tests.Docker;

/// <summary>A real dockerd (apt-get install docker.io; dockerd &amp;): containers, exec, a daemon (etcd) reached from the host,
/// signals, iptables inside a node, file copies, teardown.</summary>
[Trait("Category", "Process")]
[Collection(nameof(DockerCollection))]
public sealed class DockerSessionTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>etcd answers over TCP; bash (its /dev/tcp) and timeout let one node try to connect to another.</summary>
    internal static readonly DockerEnvironmentOptions Options = new() { Programs = ["/usr/bin/etcd", "/usr/bin/bash", "/usr/bin/timeout"] };

    [Fact]
    public async Task ThreeNodes_RunCommandsAndADaemon_ObeySignalsAndFirewall_AndVanishOnDispose()
    {
        var session = (DockerSession)await new DockerEnvironment(Options).OpenAsync("docker-session-test", 3, None);
        try
        {
            var (n1, n2, n3) = (session.Nodes[0], session.Nodes[1], session.Nodes[2]);
            Assert.Equal(["n1", "n2", "n3"], session.Nodes.Select(n => n.Name));
            Assert.Equal(3, session.Nodes.Select(n => n.Address).Distinct().Count());
            Assert.Equal(RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall, session.Capabilities);
            Assert.Empty(session.Limitations);

            // Argument vectors reach the program as they are: nothing is expanded or split.
            var echo = await session.ExecAsync(n2, ["sh", "-c", "printf '%s|' \"$@\"; echo oops >&2; exit 3", "sh", "a b", "$HOME", "'q'"], None);
            Assert.Equal(new ExecResult(3, "a b|$HOME|'q'|", "oops\n"), echo);
            Assert.Equal("n2", (await session.RunAsync(n2, ["cat", "/etc/hostname"], None)).Trim());
            var missing = await session.ExecAsync(n1, ["/usr/bin/no-such-program"], None);
            Assert.Equal(127, missing.ExitCode);
            Assert.Contains("/usr/bin/no-such-program", missing.Stderr, StringComparison.Ordinal);

            // etcd as a daemon on n1, answering the harness (on the host) at n1's address.
            var directory = session.NodeDirectory(n1);
            var daemon = new Daemon("/usr/bin/etcd", [
                    "--name", "n1", "--data-dir", Path.Combine(directory, "data"),
                    "--listen-client-urls", $"http://{n1.Address}:2379", "--advertise-client-urls", $"http://{n1.Address}:2379",
                    "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                    "--initial-cluster", "n1=http://127.0.0.1:2380"],
                directory, Path.Combine(directory, "logs", "etcd.log"), Path.Combine(directory, "etcd.pid"),
                new Dictionary<string, string> { ["ETCD_LOG_LEVEL"] = "info" });
            var pid = await session.StartDaemonAsync(n1, daemon, None);
            Assert.Equal($"{pid}\n", await File.ReadAllTextAsync(daemon.PidFile));
            Assert.Contains("etcd", await session.RunAsync(n1, ["cat", $"/proc/{pid}/cmdline"], None), StringComparison.Ordinal);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
            var version = new Uri($"http://{n1.Address}:2379/version");
            await DockerHost.Eventually(() => Answers(http, version), "etcd on n1 answers the host");

            await session.SignalAsync(n1, pid, Signal.Stop, None);
            await DockerHost.Eventually(async () => !await Answers(http, version), "SIGSTOP: etcd does not answer");
            await session.SignalAsync(n1, pid, Signal.Cont, None);
            await DockerHost.Eventually(() => Answers(http, version), "SIGCONT: etcd answers again");

            // iptables inside n1, as the partition nemesis does it: n2 is cut off, n3 is not; deleting the rule heals.
            Assert.True(await Connects(session, n2, n1), "n2 reaches n1 before the partition");
            string[] rule = ["-w", "-A", "INPUT", "-s", n2.Address, "-m", "comment", "--comment", "ddia-test", "-j", "DROP"];
            await session.RunAsync(n1, ["iptables", .. rule], None);
            Assert.Contains($"-A INPUT -s {n2.Address}/32", await session.RunAsync(n1, ["iptables", "-w", "-S", "INPUT"], None), StringComparison.Ordinal);
            Assert.False(await Connects(session, n2, n1), "n2 is cut off from n1");
            Assert.True(await Connects(session, n3, n1), "n3 still reaches n1");
            await session.RunAsync(n1, ["iptables", "-w", "-D", .. rule[2..]], None);
            Assert.True(await Connects(session, n2, n1), "n2 reaches n1 again after -D");

            // The log is a host file (bind mount); a path outside the node directory comes through the archive API.
            var local = Path.Combine(Path.GetTempPath(), $"ddv-docker-test-{Environment.ProcessId}");
            await session.DownloadAsync(n1, daemon.LogFile, Path.Combine(local, "etcd.log"), None);
            Assert.Contains("ready to serve client requests", await File.ReadAllTextAsync(Path.Combine(local, "etcd.log")), StringComparison.Ordinal);
            await session.DownloadAsync(n3, "/etc/hostname", Path.Combine(local, "hostname"), None);
            Assert.Equal("n3", (await File.ReadAllTextAsync(Path.Combine(local, "hostname"))).Trim());
            await File.WriteAllTextAsync(Path.Combine(local, "up"), "uploaded\n");
            await session.UploadAsync(n3, Path.Combine(local, "up"), "/var/tmp/x/up.txt", None);
            Assert.Equal("uploaded\n", await session.RunAsync(n3, ["cat", "/var/tmp/x/up.txt"], None));
            await Assert.ThrowsAsync<FileNotFoundException>(async () => await session.DownloadAsync(n3, "/no/such/file", Path.Combine(local, "x"), None));
            Directory.Delete(local, recursive: true);

            // SIGKILL: docker-init reaps it, so its /proc entry goes away.
            await session.SignalAsync(n1, pid, Signal.Kill, None);
            await DockerHost.Eventually(async () => !(await session.ExecAsync(n1, ["cat", $"/proc/{pid}/stat"], None)).Succeeded,
                "the killed daemon is gone");
            await session.SignalAsync(n1, pid, Signal.Kill, None);   // already gone: not an error
        }
        finally
        {
            await session.DisposeAsync();
        }
        await session.DisposeAsync();   // idempotent

        Assert.Empty(session.TeardownErrors);
        Assert.Empty(DockerHost.Containers($"ddia-verify.session={session.Name}"));
        Assert.Empty(DockerHost.Networks($"ddia-verify.session={session.Name}"));
        Assert.False(Directory.Exists(session.WorkDirectory), $"{session.WorkDirectory} outlived the session");
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await session.ExecAsync(session.Nodes[0], ["true"], None));
    }

    [Fact]
    public async Task Daemon_WithAMissingExecutable_IsRefusedWithItsName()
    {
        await using var session = await new DockerEnvironment(Options).OpenAsync("docker-missing-daemon", 1, None);
        var n1 = session.Nodes[0];
        var directory = session.Remote.NodeDirectory(n1);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await session.Remote.StartDaemonAsync(n1,
            new Daemon("/usr/bin/not-in-the-image", [], directory, Path.Combine(directory, "x.log"), Path.Combine(directory, "x.pid")), None));
        Assert.Contains("/usr/bin/not-in-the-image is not an executable file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingSocket_SaysHowToFix()
    {
        var environment = new DockerEnvironment(new DockerEnvironmentOptions { Endpoint = new Uri("unix:///tmp/no-such-docker.sock") });
        var error = await Assert.ThrowsAsync<DockerUnavailableException>(async () => await environment.OpenAsync("x", 1, None));
        Assert.Contains("/tmp/no-such-docker.sock does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y docker.io", error.Message, StringComparison.Ordinal);
        Assert.Contains("dockerd", error.Message, StringComparison.Ordinal);
    }

    private static async Task<bool> Answers(HttpClient http, Uri uri)
    {
        try
        {
            return (await http.GetAsync(uri)).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="from"/> opens a TCP connection to etcd's client port on <paramref name="to"/> within 2 s.</summary>
    private static async Task<bool> Connects(DockerSession session, Node from, Node to)
    {
        var result = await session.ExecAsync(from,
            ["timeout", "2", "bash", "-c", "exec 3<>\"/dev/tcp/$1/2379\"", "bash", to.Address], None);
        return result.Succeeded;
    }
}
