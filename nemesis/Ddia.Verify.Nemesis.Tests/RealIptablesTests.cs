using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Partitions;

namespace Ddia.Verify.Nemesis.Tests;

/// <summary>
/// The rules the network nemeses build, run through the real iptables inside throwaway network namespaces
/// (one per node; no links, so only the rule tables are exercised, not traffic). The end-to-end suite
/// with the local environment is separate. Needs root and <c>ip</c>; without them the test returns at once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RealIptablesTests
{
    [Fact]
    public async Task PartitionAndLoss_AddAndRemoveOnlyTheirRules_InRealIptables()
    {
        if (!Environment.IsPrivilegedProcess || !File.Exists("/usr/sbin/ip") || !File.Exists("/usr/sbin/iptables")) return;
        var prefix = string.Create(CultureInfo.InvariantCulture, $"ddianem{Environment.ProcessId}x");
        var nodes = ImmutableArray.Create(new Node("n1", "10.201.0.2"), new Node("n2", "10.201.0.3"), new Node("n3", "10.201.0.4"));
        var remote = new NetnsRemote(prefix);
        var test = new TestContext("real-iptables", nodes, 5, TimeProvider.System) { Remote = remote };
        try
        {
            foreach (var n in nodes) await Run("ip", "netns", "add", prefix + n.Name);
            // Somebody else's rule, which healing must leave alone.
            await remote.RunAsync(nodes[0], ["iptables", "-w", "-A", "INPUT", "-s", "172.30.0.1", "-m", "comment", "--comment", "not ours", "-j", "ACCEPT"], default);

            var partition = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);
            var loss = await new LossNemesis(new FakeDb(), 0.2).SetupAsync(test, default);
            var started = await partition.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("halves")), default);
            var lossy = await loss.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartLoss, Value.Of("all")), default);
            Assert.Null(started.Value.Get("errors"));
            Assert.Null(lossy.Value.Get("errors"));
            var cut = started.Value.Get("grudge")!.Entries.Sum(e => e.Value.Items.Length);
            Assert.Equal(cut + 6 + 1, await CountRules(remote, nodes));

            var stopped = await partition.InvokeAsync(test, Cluster.Invoke(NemesisFs.StopPartition), default);
            Assert.Equal(cut, stopped.Value.Get("removed")!.AsLong);
            // 0.2 prints back as 0.20000000019: deleting by the printed rule must still work.
            var stoppedLoss = await loss.InvokeAsync(test, Cluster.Invoke(NemesisFs.StopLoss), default);
            Assert.Equal(6, stoppedLoss.Value.Get("removed")!.AsLong);
            Assert.Null(stoppedLoss.Value.Get("errors"));
            Assert.Equal(1, await CountRules(remote, nodes));
        }
        finally
        {
            foreach (var n in nodes) await Run("ip", "netns", "del", prefix + n.Name);
        }
    }

    private static async Task<int> CountRules(IRemote remote, IEnumerable<Node> nodes)
    {
        var count = 0;
        foreach (var n in nodes)
            count += (await remote.RunAsync(n, Iptables.ListInput, default)).Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
        return count;
    }

    private static async Task<ExecResult> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a node's commands inside its own namespace: just enough IRemote for this test.</summary>
    private sealed class NetnsRemote(string prefix) : IRemote
    {
        public RemoteCapabilities Capabilities => RemoteCapabilities.Exec | RemoteCapabilities.Firewall;
        public async ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation) =>
            await Run("ip", ["netns", "exec", prefix + node.Name, .. command]);
        public ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation) => throw new NotSupportedException();
        public string NodeDirectory(Node node) => "/tmp";
    }
}
