using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments.Tests.Local;

/// <summary>
/// Real namespaces, bridge and iptables (CI runs as root). Runs in parallel with the other classes, which exercises
/// the slots.
/// </summary>
[Trait("Category", "Process")]
public sealed class NamespaceSessionTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Open_ThreeNodes_EachNamespaceHasItsOwnAddressOnTheBridge()
    {
        await using var session = await Machine.OpenAsync(3);
        var k = session.Slot;

        Assert.Equal(["n1", "n2", "n3"], session.Nodes.Select(n => n.Name));
        Assert.Equal([$"10.77.{k}.11", $"10.77.{k}.12", $"10.77.{k}.13"], session.Nodes.Select(n => n.Address));
        Assert.Equal($"10.77.{k}.1", session.HostAddress);
        Assert.Empty(session.Limitations);
        Assert.True(session.Remote.Can(RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall));
        foreach (var node in session.Nodes)
        {
            var addresses = await session.Remote.RunAsync(node, ["ip", "-4", "-o", "addr"], None);
            Assert.Contains($"inet {node.Address}/24", addresses, StringComparison.Ordinal);
            Assert.Contains("inet 127.0.0.1/8", addresses, StringComparison.Ordinal);   // lo is up
            Assert.All(session.Nodes.Where(other => other != node),
                other => Assert.DoesNotContain(other.Address + "/", addresses, StringComparison.Ordinal));
            var routes = await session.Remote.RunAsync(node, ["ip", "route"], None);
            Assert.Contains($"default via 10.77.{k}.1", routes, StringComparison.Ordinal);
        }
        Assert.Subset(Machine.Namespaces().ToHashSet(), new HashSet<string> { $"ddv{k}-n1", $"ddv{k}-n2", $"ddv{k}-n3" });
        Assert.Contains($"ddv{k}", Machine.Links());
        Assert.True(Machine.HasForwardRule(k), Machine.ForwardRules());
    }

    [Fact]
    public async Task Firewall_DropInsideOneNode_CutsOnlyThatNodeFromTheHost()
    {
        await using var session = await Machine.OpenAsync(2);
        var (n1, n2) = (session.Nodes[0], session.Nodes[1]);
        var host = session.HostAddress!;
        using var listener = new TcpListener(IPAddress.Parse(host), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.Equal(0, (await Machine.ConnectAsync(session, n1, host, port)).ExitCode);
        string[] drop = ["iptables", "-A", "OUTPUT", "-d", host, "-j", "DROP"];
        await session.RunAsync(n1, drop, None);
        Assert.Equal(124, (await Machine.ConnectAsync(session, n1, host, port)).ExitCode);   // timed out: dropped
        Assert.Equal(0, (await Machine.ConnectAsync(session, n2, host, port)).ExitCode);     // n2's own stack is untouched
        await session.RunAsync(n1, ["iptables", "-D", "OUTPUT", "-d", host, "-j", "DROP"], None);
        Assert.Equal(0, (await Machine.ConnectAsync(session, n1, host, port)).ExitCode);
    }

    [Fact]
    public async Task Firewall_NodeToNode_RefusedWhenReachableAndTimesOutWhenDropped()
    {
        await using var session = await Machine.OpenAsync(3);
        var (n1, n2, n3) = (session.Nodes[0], session.Nodes[1], session.Nodes[2]);
        const int closedPort = 9;   // nothing listens: a reachable node answers with a reset at once

        var reachable = await Machine.ConnectAsync(session, n1, n2.Address, closedPort);
        Assert.Equal(1, reachable.ExitCode);
        Assert.Contains("refused", reachable.Stderr, StringComparison.OrdinalIgnoreCase);

        await session.RunAsync(n2, ["iptables", "-A", "INPUT", "-s", n1.Address, "-j", "DROP"], None);
        Assert.Equal(124, (await Machine.ConnectAsync(session, n1, n2.Address, closedPort)).ExitCode);
        Assert.Equal(1, (await Machine.ConnectAsync(session, n3, n2.Address, closedPort)).ExitCode);   // n3 still reaches n2
    }

    [Fact]
    public async Task Exec_ReturnsExitCodeAndOutput_InTheNodeDirectory()
    {
        await using var session = await Machine.OpenAsync(1);
        var n1 = session.Nodes[0];

        var result = await session.ExecAsync(n1, ["sh", "-c", "echo out; echo err >&2; exit 3"], None);
        Assert.Equal(new ExecResult(3, "out\n", "err\n"), result);
        var failure = await Assert.ThrowsAsync<RemoteCommandException>(async () => await session.RunAsync(n1, ["false"], None));
        Assert.Contains("false", failure.Message, StringComparison.Ordinal);
        Assert.NotEqual(0, (await session.ExecAsync(n1, ["ddv-no-such-command"], None)).ExitCode);

        var directory = session.NodeDirectory(n1);
        Assert.Equal($"/tmp/ddia-verify/{session.Slot}/n1", directory);
        Assert.True(Directory.Exists(directory));
        Assert.Equal(directory + "\n", await session.RunAsync(n1, ["pwd"], None));
        // An argument is an argument: no shell ever sees it.
        Assert.Equal("a b;$(x)'\"\n", await session.RunAsync(n1, ["echo", "a b;$(x)'\""], None));
    }

    [Fact]
    public async Task Exec_Cancelled_KillsTheCommandAndThrows()
    {
        await using var session = await Machine.OpenAsync(1);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await session.ExecAsync(session.Nodes[0], ["sleep", "30"], cancel.Token));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        var inNamespace = Machine.Run("ip", "netns", "pids", session.NamespaceOf(session.Nodes[0])!);
        await Machine.Eventually(() => Machine.Run("ip", "netns", "pids", session.NamespaceOf(session.Nodes[0])!).Trim().Length == 0,
            $"the cancelled sleep is gone (was {inNamespace})");
    }

    [Fact]
    public async Task UploadDownload_CopyFiles_AndUnknownNodesAreRefused()
    {
        await using var session = await Machine.OpenAsync(2);
        var (n1, n2) = (session.Nodes[0], session.Nodes[1]);
        var local = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(local, "payload");
            var remote = Path.Combine(session.NodeDirectory(n1), "sub", "file.txt");
            await session.UploadAsync(n1, local, remote, None);
            Assert.Equal("payload", await session.RunAsync(n1, ["cat", remote], None));
            var back = local + ".back";
            await session.DownloadAsync(n1, remote, back, None);
            Assert.Equal("payload", await File.ReadAllTextAsync(back));
            File.Delete(back);
            Assert.NotEqual(session.NodeDirectory(n1), session.NodeDirectory(n2));
        }
        finally
        {
            File.Delete(local);
        }
        var stranger = new Node("n9", "10.77.0.19");
        await Assert.ThrowsAsync<ArgumentException>(async () => await session.ExecAsync(stranger, ["true"], None));
        Assert.Throws<ArgumentException>(() => session.NodeDirectory(stranger));
    }

    [Fact]
    public async Task HostCommand_Failure_NamesTheCommandAndItsError()
    {
        var failure = await Assert.ThrowsAsync<EnvironmentCommandException>(() =>
            Host.RunAsync("ip", ["link", "delete", "ddv-no-such"], None));
        Assert.Contains("ip link delete ddv-no-such", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot find device", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_InParallel_GivesEverySessionItsOwnSlotAndSubnet()
    {
        var sessions = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Machine.OpenAsync(2)));
        try
        {
            var slots = sessions.Select(s => s.Slot).ToList();
            Assert.Equal(slots.Count, slots.Distinct().Count());
            Assert.Equal(8, sessions.SelectMany(s => s.Nodes).Select(n => n.Address).Distinct().Count());
            foreach (var session in sessions)
            {
                var addresses = await session.RunAsync(session.Nodes[1], ["ip", "-4", "-o", "addr"], None);
                Assert.Contains($"inet {session.Nodes[1].Address}/24", addresses, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var session in sessions)
                await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task Open_RejectsImpossibleNodeCounts()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Machine.OpenAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Machine.OpenAsync(LocalEnvironment.MaxNodes + 1));
    }
}
