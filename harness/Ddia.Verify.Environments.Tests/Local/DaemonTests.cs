using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments.Tests.Local;

[Trait("Category", "Process")]
[Collection(nameof(TeardownCollection))]
public sealed class DaemonTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static Daemon Sleep(LocalSession remote, Node node, string name, params string[] arguments) =>
        new(arguments.Length == 0 ? "/usr/bin/sleep" : "/bin/sh", arguments.Length == 0 ? ["1000"] : arguments, remote.NodeDirectory(node),
            Path.Combine(remote.NodeDirectory(node), name + ".log"), Path.Combine(remote.NodeDirectory(node), name + ".pid"));

    [Fact]
    public async Task Daemon_RunsInTheNodesNamespace_InItsOwnProcessGroup_AndObeysSignals()
    {
        var session = await Machine.OpenAsync(2);
        int pid;
        try
        {
            var n2 = session.Nodes[1];
            var daemon = Sleep(session, n2, "sleep");
            pid = await session.StartDaemonAsync(n2, daemon, None);

            Assert.Equal($"{pid}\n", await File.ReadAllTextAsync(daemon.PidFile));
            Assert.NotNull(Machine.State(pid));
            Assert.Equal(pid, Machine.ProcessGroup(pid));   // its own group: kill(-pid) takes its children too
            var ownNetwork = await session.RunAsync(n2, ["readlink", "/proc/self/ns/net"], None);
            Assert.Equal(ownNetwork.Trim(), Machine.Run("readlink", $"/proc/{pid}/ns/net").Trim());

            await session.SignalAsync(n2, pid, Signal.Stop, None);
            await Machine.Eventually(() => Machine.State(pid) == 'T', "SIGSTOP stops the daemon");
            await session.SignalAsync(n2, pid, Signal.Cont, None);
            await Machine.Eventually(() => Machine.State(pid) is not 'T' and not null, "SIGCONT resumes the daemon");
        }
        finally
        {
            await session.DisposeAsync();
        }

        Assert.Null(Machine.State(pid));
        Assert.Empty(session.TeardownErrors);
        Machine.AssertSlotGone(session.Slot);
    }

    [Fact]
    public async Task Daemon_GetsItsEnvironment_AndDisposeKillsItsChildren()
    {
        var session = await Machine.OpenAsync(1);
        var n1 = session.Nodes[0];
        var childPidFile = Path.Combine(session.NodeDirectory(n1), "child");
        var daemon = Sleep(session, n1, "parent", "-c", "echo \"value=$DDV_TEST\"; sleep 1000 & echo $! > child; wait") with
        {
            Environment = new Dictionary<string, string> { ["DDV_TEST"] = "from the test" },
        };
        var pid = await session.StartDaemonAsync(n1, daemon, None);
        await Machine.Eventually(() => File.Exists(childPidFile) && File.ReadAllText(childPidFile).EndsWith('\n'),
            "the daemon started its child");
        var child = int.Parse(File.ReadAllText(childPidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("value=from the test", await File.ReadAllTextAsync(daemon.LogFile), StringComparison.Ordinal);

        await session.DisposeAsync();
        await session.DisposeAsync();   // idempotent
        session.Cleanup();

        Assert.Null(Machine.State(pid));
        Assert.Null(Machine.State(child));
        Assert.Empty(session.TeardownErrors);
        Machine.AssertSlotGone(session.Slot);
        Assert.False(Directory.Exists(session.WorkDirectory), $"{session.WorkDirectory} (node data and logs) outlived the session");
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await session.ExecAsync(n1, ["true"], None));
    }

    [Fact]
    public async Task Daemon_KilledBySignal_IsGone_AndAMissingExecutableIsNamed()
    {
        await using var session = await Machine.OpenAsync(1);
        var n1 = session.Nodes[0];
        var daemon = Sleep(session, n1, "sleep");
        var pid = await session.StartDaemonAsync(n1, daemon, None);

        await session.SignalAsync(n1, pid, Signal.Kill, None);
        await Machine.Eventually(() => Machine.State(pid) is null, "SIGKILL ends the daemon");
        await session.SignalAsync(n1, pid, Signal.Kill, None);   // already gone: not an error

        // Restarting with the same pid file gives the new pid, never the stale one.
        var again = await session.StartDaemonAsync(n1, daemon, None);
        Assert.NotEqual(pid, again);
        Assert.NotNull(Machine.State(again));

        var missing = await Assert.ThrowsAsync<FileNotFoundException>(async () =>
            await session.StartDaemonAsync(n1, daemon with { Executable = "/no/such/db" }, None));
        Assert.Contains("/no/such/db", missing.Message, StringComparison.Ordinal);
    }
}
