using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Systems.Adapters.Tests.Raft;

namespace Ddia.Verify.Systems.Adapters.Tests.Common;

/// <summary>When a killed daemon is gone: after the kill, the next client must find its port refusing, and a restart
/// must be able to bind it.</summary>
[Trait("Category", "Process")]
public sealed class NodeProcessesTests
{
    /// <summary>A process whose main thread leaves (pthread_exit) while a second thread keeps the process, and with it a
    /// listening socket, alive: the state a killed Go or .NET daemon passes through while its other threads exit. Python
    /// is part of this machine kind. Prints the socket's port.</summary>
    private const string ZombieLeaderWithALiveThread = """
        import ctypes, socket, sys, threading, time
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(listener.getsockname()[1], flush=True)
        threading.Thread(target=time.sleep, args=(120,)).start()
        ctypes.CDLL(None).pthread_exit(None)
        """;

    [Fact]
    public async Task AProcessIsGone_OnlyOnceItsLastThreadHasExited_AndThenItsPortRefuses()
    {
        using var remote = new LocalTestRemote();
        var node = new Node("n1", "127.0.0.1");
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ZombieLeaderWithALiveThread);
        using var process = Process.Start(info)!;
        try
        {
            var port = int.Parse((await process.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
            var stat = $"/proc/{process.Id.ToString(CultureInfo.InvariantCulture)}/stat";
            var deadline = Stopwatch.StartNew();
            while (!File.ReadAllText(stat).Contains(") Z ", StringComparison.Ordinal))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"the main thread did not exit: {File.ReadAllText(stat)}");
                await Task.Delay(50);
            }

            // The main thread is a zombie, yet the process still accepts connections: it is not gone.
            using (var early = new TcpClient()) await early.ConnectAsync(IPAddress.Loopback, port);
            Assert.True(NodeProcesses.Runs(File.ReadAllText(stat)), File.ReadAllText(stat));
            Assert.False(await NodeProcesses.WaitGoneAsync(remote, node, [process.Id], TimeSpan.FromMilliseconds(300), CancellationToken.None));

            await remote.SignalAsync(node, process.Id, Signal.Kill, CancellationToken.None);
            Assert.True(await NodeProcesses.WaitGoneAsync(remote, node, [process.Id], TimeSpan.FromSeconds(20), CancellationToken.None));
            using var late = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Theory]
    [InlineData("7 (etcd) S 1 7 7 0 -1 4194560 1 0 0 0 5 5 0 0 20 0 12 0 100 0 0", true)]
    [InlineData("7 (etcd) Z 1 7 7 0 -1 4194560 1 0 0 0 5 5 0 0 20 0 12 0 100 0 0", true)]
    [InlineData("7 (etcd) Z 1 7 7 0 -1 4194560 1 0 0 0 5 5 0 0 20 0 1 0 100 0 0", false)]
    [InlineData("7 (a) Z (b) S 1 7 7 0 -1 4194560 1 0 0 0 5 5 0 0 20 0 3 0 100 0 0", true)]
    [InlineData("7 (a) Z (b) Z 1 7 7 0 -1 4194560 1 0 0 0 5 5 0 0 20 0 1 0 100 0 0", false)]
    public void Runs_ReadsTheStateAndThreadCountAfterTheCommandName(string statLine, bool runs) =>
        Assert.Equal(runs, NodeProcesses.Runs(statLine));
}
