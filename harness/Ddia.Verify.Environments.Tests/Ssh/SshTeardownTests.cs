using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;
using Ddia.Verify.Environments.Ssh;
using Ddia.Verify.Environments.Tests.Local;
using Xunit.Abstractions;

using Ddia.Verify.Testing;

namespace Ddia.Verify.Environments.Tests.Ssh;

/// <summary>Disposing the SSH session, then the rig, leaves nothing behind: no daemon, rule, directory, sshd or namespace.</summary>
[Trait("Category", "Process")]
[Collection(nameof(TeardownCollection))]
public sealed class SshTeardownTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Dispose_KillsDaemonsAndTheirChildren_DeletesOurRules_RemovesTheDirectory_ThenTheRigLeavesNothing()
    {
        var rig = await SshRig.StartAsync(2);
        var slot = rig.Local.Slot;
        var sshdPids = rig.Local.Nodes.Select(n => int.Parse(File.ReadAllText(Path.Combine(rig.Directory, n.Name, "sshd.pid")),
            CultureInfo.InvariantCulture)).ToList();
        try
        {
            var clock = Stopwatch.StartNew();
            var session = (SshSession)await new SshEnvironment(rig.Options).OpenAsync("teardown", 2, None);
            var open = clock.Elapsed;
            var (n1, n2) = (session.Nodes[0], session.Nodes[1]);
            var directory = session.NodeDirectory(n1);
            var daemon = new Daemon("/bin/sh", ["-c", "sleep 1000 & echo $! > child; wait"], directory, directory + "/d.log", directory + "/d.pid");
            var pid = await session.StartDaemonAsync(n1, daemon, None);
            var childFile = directory + "/child";
            await Machine.Eventually(() => File.Exists(childFile) && File.ReadAllText(childFile).EndsWith('\n'), "the daemon started its child");
            var child = int.Parse(File.ReadAllText(childFile).Trim(), CultureInfo.InvariantCulture);
            var other = await session.StartDaemonAsync(n2, daemon with
            {
                Arguments = ["-c", "exec sleep 1000"], LogFile = session.NodeDirectory(n2) + "/d.log", PidFile = session.NodeDirectory(n2) + "/d.pid",
            }, None);
            // A rule a nemesis left behind (as after a crash between its add and its heal), and one that is not ours.
            await session.RunAsync(n2, ["iptables", "-w", "-A", "INPUT", "-s", n1.Address, "-m", "comment", "--comment", "ddia-verify-partition", "-j", "DROP"], None);
            await session.RunAsync(n2, ["iptables", "-w", "-A", "INPUT", "-s", "192.0.2.1", "-j", "DROP"], None);

            clock.Restart();
            await session.DisposeAsync();
            output.WriteLine($"open {open.TotalMilliseconds:0} ms, dispose {clock.Elapsed.TotalMilliseconds:0} ms");
            await session.DisposeAsync();   // idempotent

            Assert.Empty(session.TeardownErrors);
            Assert.Null(Machine.State(pid));
            Assert.Null(Machine.State(child));
            Assert.Null(Machine.State(other));
            Assert.False(Directory.Exists(session.SessionDirectory));
            var rules = await rig.Local.RunAsync(rig.Local.Nodes[1], ["iptables", "-w", "-S", "INPUT"], None);
            Assert.DoesNotContain("ddia-verify-partition", rules);
            Assert.Contains("192.0.2.1", rules);   // not ours: left alone
            await Assert.ThrowsAsync<ObjectDisposedException>(() => session.ExecAsync(n1, ["true"], None).AsTask());
            Assert.All(sshdPids, p => Assert.NotNull(Machine.State(p)));   // the hosts themselves are still up
        }
        finally
        {
            await rig.DisposeAsync();
        }

        Assert.All(sshdPids, p => Assert.Null(Machine.State(p)));
        Assert.Empty(rig.Local.TeardownErrors);
        Machine.AssertSlotGone(slot);
        Assert.False(Directory.Exists(rig.Directory));
    }

    [Fact]
    public async Task Open_SweepsWhatAKilledHarnessOfThisMachineLeft_ButNothingOfALiveOne()
    {
        await using var rig = await SshRig.StartAsync(2);
        // The owner of a killed harness's session: a process of this machine that ran and is gone.
        using (var finished = Process.Start("sleep", "0.2"))
        {
            var owner = new HarnessProcess(finished.Id, Procfs.StartTime(finished.Id) ?? throw new InvalidOperationException("sleep ended too soon"));
            await finished.WaitForExitAsync();
            // Opened first: opening sweeps the dead owner's sessions.
            var live = (SshSession)await new SshEnvironment(rig.Options).OpenAsync("live-harness", 2, None);
            var killed = (SshSession)await new SshEnvironment(rig.Options with { Owner = owner }).OpenAsync("killed-harness", 2, None);
            try
            {
                var left = await killed.StartDaemonAsync(killed.Nodes[0], Sleeper(killed, killed.Nodes[0]), None);
                var kept = await live.StartDaemonAsync(live.Nodes[0], Sleeper(live, live.Nodes[0]), None);
                // A partition the killed harness never healed.
                await killed.RunAsync(killed.Nodes[1], ["iptables", "-w", "-A", "INPUT", "-s", killed.Nodes[0].Address, "-m", "comment", "--comment", "ddia-verify-partition", "-j", "DROP"], None);

                // The killed session is never disposed before the next opens, as after kill -9 of its harness.
                var next = (SshSession)await new SshEnvironment(rig.Options).OpenAsync("next", 2, None);
                await next.DisposeAsync();

                Assert.Equal([killed.Id], next.Swept);
                Assert.Null(Machine.State(left));
                Assert.False(Directory.Exists(killed.SessionDirectory));
                Assert.DoesNotContain("ddia-verify-partition", await rig.Local.RunAsync(rig.Local.Nodes[1], ["iptables", "-w", "-S", "INPUT"], None));
                // A live harness's session is left alone.
                Assert.NotNull(Machine.State(kept));
                Assert.True(Directory.Exists(live.SessionDirectory));
            }
            finally
            {
                await live.DisposeAsync();
                await killed.DisposeAsync();
            }
        }
    }

    private static Daemon Sleeper(SshSession session, Node node)
    {
        var directory = session.NodeDirectory(node);
        return new Daemon("/bin/sh", ["-c", "exec sleep 1000"], directory, directory + "/d.log", directory + "/d.pid");
    }
}
