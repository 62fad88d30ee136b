using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Ssh;
using Ddia.Verify.Environments.Tests.Local;
using Xunit.Abstractions;

using Ddia.Verify.Testing;

namespace Ddia.Verify.Environments.Tests.Ssh;

/// <summary>IRemote over real SSH connections to sshd hosts in network namespaces.</summary>
[Trait("Category", "Process")]
public sealed class SshSessionTests(SshFixture fixture, ITestOutputHelper output) : IClassFixture<SshFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private SshSession Session => fixture.Session;

    [Fact]
    public async Task Exec_PassesNastyArgumentsUnchanged_AndReportsOutputsAndExitCode()
    {
        var n1 = Session.Nodes[0];
        var echoed = await Session.ExecAsync(n1, ["printf", "%s\\n", .. ParsingTests.Nasty], None);
        Assert.Equal(0, echoed.ExitCode);
        Assert.Equal(string.Concat(ParsingTests.Nasty.Select(a => a + "\n")), echoed.Stdout);

        var mixed = await Session.ExecAsync(n1, ["sh", "-c", "echo out; echo err >&2; exit 3"], None);
        Assert.Equal(new ExecResult(3, "out\n", "err\n"), mixed);
        Assert.Equal(127, (await Session.ExecAsync(n1, ["/no/such/command"], None)).ExitCode);
    }

    [Fact]
    public async Task Programs_AreInstalledOnEveryHost_OncePerContent()
    {
        var local = Path.Combine(fixture.Rig.Directory, $"hello-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(local, $"#!/bin/sh\necho \"hello from $(hostname -I | cut -d' ' -f1)\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = fixture.Rig.Options with { Programs = [local] };
        var remote = options.ProgramPath(local);
        try
        {
            DateTime installed;
            await using (var first = (SshSession)await new SshEnvironment(options).OpenAsync("ssh-programs", 3, None))
            {
                foreach (var node in first.Nodes)
                    Assert.Equal($"hello from {node.Address}\n", await first.RunAsync(node, [remote], None));
                installed = File.GetLastWriteTimeUtc(remote);   // the hosts share this machine's disk
                Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(remote)!, "*.part"));
            }
            await using (var second = (SshSession)await new SshEnvironment(options).OpenAsync("ssh-programs", 3, None))
            {
                Assert.Equal($"hello from {second.Nodes[2].Address}\n", await second.RunAsync(second.Nodes[2], [remote], None));
                Assert.Equal(installed, File.GetLastWriteTimeUtc(remote));   // not sent again
            }
            // A changed program goes to a new path; the old one stays for nodes that may still run it.
            await File.AppendAllTextAsync(local, "echo changed\n");
            Assert.NotEqual(remote, options.ProgramPath(local));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(remote)!, recursive: true);
        }
    }

    [Fact]
    public async Task Exec_RunsOnTheRightHost_InTheNodeDirectory()
    {
        Assert.Equal(RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall, Session.Capabilities);
        Assert.Empty(Session.Limitations);
        for (var i = 0; i < 3; i++)
        {
            var node = Session.Nodes[i];
            Assert.Equal(fixture.Rig.Hosts[i], node.Address);
            Assert.Equal($"n{i + 1}", node.Name);
            Assert.Equal(Session.NodeDirectory(node) + "\n", await Session.RunAsync(node, ["pwd"], None));
            // The command runs in that host's network namespace: it owns the node's address.
            Assert.Contains($"inet {node.Address}/", await Session.RunAsync(node, ["ip", "-o", "-4", "addr", "show"], None));
        }
        Assert.StartsWith("/tmp/ddia-verify-ssh/ssh-tests-", Session.NodeDirectory(Session.Nodes[0]));
        Assert.True(Directory.Exists(Session.NodeDirectory(Session.Nodes[2])));   // the hosts share this machine's disk
    }

    [Fact]
    public async Task Exec_RoundTrip_IsFast_AndConcurrentCommandsShareTheConnection()
    {
        var n1 = Session.Nodes[0];
        await Session.RunAsync(n1, ["true"], None);
        var clock = Stopwatch.StartNew();
        const int rounds = 20;
        for (var i = 0; i < rounds; i++)
            await Session.RunAsync(n1, ["true"], None);
        var roundTrip = clock.Elapsed / rounds;
        clock.Restart();
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Session.ExecAsync(Session.Nodes[i % 3], ["echo", i.ToString(CultureInfo.InvariantCulture)], None).AsTask()));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"{i}\n"), results.Select(r => r.Stdout));
        output.WriteLine($"rig start {fixture.RigStart.TotalMilliseconds:0} ms, session open (3 connects) {fixture.SessionOpen.TotalMilliseconds:0} ms, " +
            $"exec round trip {roundTrip.TotalMilliseconds:0.0} ms, 30 concurrent execs {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(roundTrip < TimeSpan.FromSeconds(2), $"exec round trip {roundTrip}");
    }

    [Fact]
    public async Task Daemon_WritesPidFileAndLog_ObeysSignals_AndItsLogDownloads()
    {
        var n2 = Session.Nodes[1];
        var directory = Session.NodeDirectory(n2);
        var daemon = new Daemon("/bin/sh", ["-c", "echo \"started with $GREETING in $(pwd)\"; echo oops >&2; exec sleep 1000"],
            directory + "/work dir", directory + "/logs/sleeper.log", directory + "/run/sleeper.pid",
            new Dictionary<string, string> { ["GREETING"] = "it's $HOME `id`" });

        var pid = await Session.StartDaemonAsync(n2, daemon, None);

        Assert.Equal($"{pid}\n", await Session.RunAsync(n2, ["cat", daemon.PidFile], None));
        Assert.Equal(pid, Machine.ProcessGroup(pid));   // setsid: its own group
        await Machine.Eventually(() => File.Exists(daemon.LogFile) && File.ReadAllText(daemon.LogFile).Contains("oops"), "the daemon logs");
        var local = Path.Combine(Path.GetTempPath(), $"ddia-ssh-download-{Guid.NewGuid():N}", "sleeper.log");
        try
        {
            await Session.DownloadAsync(n2, daemon.LogFile, local, None);
            Assert.Equal($"started with it's $HOME `id` in {daemon.WorkingDirectory}\noops\n", await File.ReadAllTextAsync(local));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(local)!, recursive: true);
        }

        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            Session.DownloadAsync(n2, directory + "/no-such.log", local, None).AsTask());   // what the log collector expects
        Assert.Contains(directory + "/no-such.log", missing.Message);
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(local)!));   // no half file left
        Directory.Delete(Path.GetDirectoryName(local)!);

        await Session.SignalAsync(n2, pid, Signal.Stop, None);
        await Machine.Eventually(() => Machine.State(pid) == 'T', "SIGSTOP stops the daemon");
        await Session.SignalAsync(n2, pid, Signal.Cont, None);
        await Machine.Eventually(() => Machine.State(pid) is not 'T' and not null, "SIGCONT resumes the daemon");
        await Session.SignalAsync(n2, pid, Signal.Kill, None);
        await Machine.Eventually(() => Machine.State(pid) is null, "SIGKILL ends the daemon");
        await Session.SignalAsync(n2, pid, Signal.Kill, None);   // gone already: not an error
    }

    [Fact]
    public async Task Daemon_WithoutExecutable_IsRefusedClearly()
    {
        var n1 = Session.Nodes[0];
        var directory = Session.NodeDirectory(n1);
        var error = await Assert.ThrowsAsync<RemoteCommandException>(() => Session.StartDaemonAsync(n1,
            new Daemon("/no/such/binary", [], directory, directory + "/x.log", directory + "/x.pid"), None).AsTask());
        Assert.Contains("/no/such/binary does not exist", error.Message);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Upload_KeepsContentAndMode()
    {
        var n3 = Session.Nodes[2];
        var local = Path.Combine(Path.GetTempPath(), $"ddia-ssh-upload-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(local, "#!/bin/sh\necho \"uploaded $1\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var remote = Session.NodeDirectory(n3) + "/bin/tool.sh";
            await Session.UploadAsync(n3, local, remote, None);
            await Session.UploadAsync(n3, local, remote, None);   // again: overwrites
            Assert.Equal("uploaded ok\n", await Session.RunAsync(n3, [remote, "ok"], None));
        }
        finally
        {
            File.Delete(local);
        }
    }

    [Fact]
    public async Task Iptables_OverSsh_CutsTrafficFromAnotherHost_AndDeleteHeals()
    {
        var (n1, n2, n3) = (Session.Nodes[0], Session.Nodes[1], Session.Nodes[2]);
        string[] rule = ["-w", "INPUT", "-s", n2.Address, "-m", "comment", "--comment", "ddia-verify-partition", "-j", "DROP"];
        Assert.Equal(0, (await Connect(n2, n1)).ExitCode);

        await Session.RunAsync(n1, ["iptables", "-w", "-A", .. rule[1..]], None);
        try
        {
            Assert.Equal(124, (await Connect(n2, n1, seconds: 2)).ExitCode);   // dropped: the connect times out
            Assert.Equal(0, (await Connect(n3, n1)).ExitCode);     // others still get through
            Assert.Contains("ddia-verify-partition", await Session.RunAsync(n1, ["iptables", "-w", "-S", "INPUT"], None));
        }
        finally
        {
            await Session.RunAsync(n1, ["iptables", "-w", "-D", .. rule[1..]], None);
        }
        Assert.Equal(0, (await Connect(n2, n1)).ExitCode);
    }

    [Fact]
    public async Task Connection_IsReopened_AfterItDrops()
    {
        var n3 = Session.Nodes[2];
        // The sshd process serving our connection: the parent of the shell that runs this command.
        var server = int.Parse((await Session.RunAsync(n3, ["sh", "-c", "cut -d' ' -f4 /proc/$$/stat"], None)).Trim(), CultureInfo.InvariantCulture);
        Machine.Run("kill", "-KILL", server.ToString(CultureInfo.InvariantCulture));
        await Machine.Eventually(() => Machine.State(server) is null, "the connection's sshd is gone");

        // Until the client notices the dead socket a command may fail; then it reconnects on its own.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Assert.Equal("back\n", await Session.RunAsync(n3, ["echo", "back"], None));
                break;
            }
            catch (SshEnvironmentException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
        }
        output.WriteLine($"reconnected after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Open_WithMoreNodesThanHosts_SaysHowMany()
    {
        var error = await Assert.ThrowsAsync<NodesFileException>(() =>
            new SshEnvironment(fixture.Rig.Options).OpenAsync("too-many", 4, None).AsTask());
        Assert.Contains("needs 4 nodes but the file lists 3 hosts", error.Message);
        Assert.Contains(fixture.Rig.NodesFile, error.Message);
    }

    [Fact]
    public async Task Open_OfAHostThatRefuses_IsRetried_ThenNamesTheHost()
    {
        var rig = fixture.Rig;
        var nodes = Path.Combine(rig.Directory, "closed_port.txt");
        await File.WriteAllTextAsync(nodes, $"{rig.Hosts[0]} 2223 root {rig.ClientKey}\n");   // nothing listens there
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SshEnvironmentException>(() =>
            new SshEnvironment(rig.Options with { NodesFile = nodes, ConnectAttempts = 3 }).OpenAsync("refused", 1, None).AsTask());
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {error.Message}");
        Assert.Contains($"ssh root@{rig.Hosts[0]} port 2223: cannot connect (3 attempt(s)", error.Message);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(0.5), "retried with backoff");
    }

    [Fact]
    public async Task HostKey_Mismatched_IsRefused_NamingHostPortAndFingerprint_UnlessCheckingIsOff()
    {
        var rig = fixture.Rig;
        var knownHosts = Path.Combine(rig.Directory, "wrong_known_hosts");
        // n1's name with n2's key: what a man in the middle (or a reinstalled host) looks like.
        await File.WriteAllTextAsync(knownHosts, $"[{rig.Hosts[0]}]:{SshRig.Port} {rig.HostKey(1)}\n");
        var options = rig.Options with { KnownHostsFile = knownHosts, ConnectAttempts = 1 };

        var error = await Assert.ThrowsAsync<HostKeyRejectedException>(() => new SshEnvironment(options).OpenAsync("mismatch", 1, None).AsTask());
        output.WriteLine(error.Message);
        Assert.Contains($"{rig.Hosts[0]} port {SshRig.Port}", error.Message);
        Assert.Contains(Fingerprint(rig.HostKeyPath(0)), error.Message);   // as ssh-keygen -l prints it
        Assert.Contains("does NOT match", error.Message);
        Assert.Contains($"{knownHosts} line 1", error.Message);
        Assert.Contains("ssh-keygen -R", error.Message);
        Assert.Contains("--ssh-strict-host-key-checking=false", error.Message);

        await File.WriteAllTextAsync(knownHosts, "");
        var unknown = await Assert.ThrowsAsync<HostKeyRejectedException>(() => new SshEnvironment(options).OpenAsync("unknown", 1, None).AsTask());
        Assert.Contains("has no entry", unknown.Message);
        Assert.Contains("ssh-keyscan", unknown.Message);

        var session = await new SshEnvironment(options with { StrictHostKeyChecking = false }).OpenAsync("no-checking", 1, None);
        await using (session)
            Assert.Equal("ok\n", await session.Remote.RunAsync(session.Nodes[0], ["echo", "ok"], None));
    }

    // bash's /dev/tcp connect, given a few seconds (generous on a loaded machine): 0 connected, 124 timed out (dropped).
    private async Task<ExecResult> Connect(Node from, Node to, int seconds = 5) =>
        await Session.ExecAsync(from, ["timeout", seconds.ToString(CultureInfo.InvariantCulture), "bash", "-c", $"exec 3<>/dev/tcp/{to.Address}/{SshRig.Port}"], None);

    private static string Fingerprint(string hostKey) =>
        Machine.Run("ssh-keygen", "-l", "-f", hostKey + ".pub").Split(' ')[1];   // "256 SHA256:… comment (ED25519)"
}
