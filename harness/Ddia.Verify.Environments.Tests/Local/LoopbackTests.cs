using System.Net;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments.Tests.Local;

/// <summary>The fallback without root, forced here because CI runs as root.</summary>
[Trait("Category", "Process")]
public sealed class LoopbackTests
{
    private static readonly LocalEnvironmentOptions Loopback = new() { ForceLoopback = true };

    [Fact]
    public async Task ForcedLoopback_NodesOnLoopbackAddresses_WithoutFirewall_AndSaysWhy()
    {
        await using var session = await Machine.OpenAsync(3, Loopback);
        var k = session.Slot;

        Assert.False(session.UsesNamespaces);
        Assert.Null(session.HostAddress);
        Assert.Equal([$"127.0.{k}.11", $"127.0.{k}.12", $"127.0.{k}.13"], session.Nodes.Select(n => n.Address));
        Assert.Equal(RemoteCapabilities.Exec | RemoteCapabilities.Signals, session.Capabilities);
        Assert.False(session.Remote.Can(RemoteCapabilities.Firewall));
        var limitation = Assert.Single(session.Limitations);
        Assert.Contains("partitions and packet loss are unavailable", limitation, StringComparison.Ordinal);
        Assert.Contains("root", limitation, StringComparison.Ordinal);
        Assert.DoesNotContain(Machine.Namespaces(), n => n.StartsWith($"ddv{k}-", StringComparison.Ordinal));

        // The addresses are usable as they are: all of 127/8 is loopback.
        using var listener = new TcpListener(IPAddress.Parse(session.Nodes[1].Address), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.Equal(0, (await Machine.ConnectAsync(session, session.Nodes[0], session.Nodes[1].Address, port)).ExitCode);
        Assert.Equal("hello\n", await session.RunAsync(session.Nodes[0], ["echo", "hello"], CancellationToken.None));
        Assert.Equal(127, (await session.ExecAsync(session.Nodes[0], ["ddv-no-such-command"], CancellationToken.None)).ExitCode);
    }

    [Fact]
    public async Task ForcedLoopback_DaemonsStartTakeSignalsAndDieWithTheSession()
    {
        var session = await Machine.OpenAsync(1, Loopback);
        var n1 = session.Nodes[0];
        var directory = session.Remote.NodeDirectory(n1);
        var daemon = new Daemon("/usr/bin/sleep", ["1000"], directory, Path.Combine(directory, "s.log"), Path.Combine(directory, "s.pid"));
        var pid = await session.Remote.StartDaemonAsync(n1, daemon, CancellationToken.None);

        await session.Remote.SignalAsync(n1, pid, Signal.Stop, CancellationToken.None);
        await Machine.Eventually(() => Machine.State(pid) == 'T', "SIGSTOP stops the daemon");
        await session.DisposeAsync();

        Assert.Null(Machine.State(pid));   // a stopped process dies of SIGKILL too
        Assert.Empty(((LocalSession)session).TeardownErrors);
    }
}
