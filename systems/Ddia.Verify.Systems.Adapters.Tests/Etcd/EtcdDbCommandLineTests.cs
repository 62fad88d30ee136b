using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Systems.Adapters.Tests.Raft;

namespace Ddia.Verify.Systems.Adapters.Tests.Etcd;

/// <summary>The etcd command line <see cref="EtcdDb"/> builds, without running anything.</summary>
public sealed class EtcdDbCommandLineTests
{
    [Fact]
    public void Daemon_IsTheEtcdCommandLine_WithTheWholeClusterAndTheNodesOwnDirectory()
    {
        var nodes = ImmutableArray.Create(new Node("n1", "10.0.0.1"), new Node("n2", "10.0.0.2"), new Node("n3", "10.0.0.3"));
        using var remote = new LocalTestRemote();
        var test = new TestContext("t", nodes, 1, TimeProvider.System) { Remote = remote };
        using var db = new EtcdDb();
        var daemon = db.Daemon(test, nodes[1]);

        Assert.Equal("/usr/bin/etcd", daemon.Executable);
        var args = string.Join(' ', daemon.Arguments);
        Assert.Contains("--name n2 ", args, StringComparison.Ordinal);
        Assert.Contains("--listen-client-urls http://10.0.0.2:2379 ", args, StringComparison.Ordinal);
        Assert.Contains("--initial-advertise-peer-urls http://10.0.0.2:2380 ", args, StringComparison.Ordinal);
        Assert.Contains("--initial-cluster n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,n3=http://10.0.0.3:2380 ", args, StringComparison.Ordinal);
        Assert.Contains($"--data-dir {remote.NodeDirectory(nodes[1])}/etcd ", args, StringComparison.Ordinal);
        Assert.EndsWith("etcd.log", daemon.LogFile, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_RefuseTheSamePortForClientsAndPeers() =>
        Assert.Throws<ArgumentException>(() => new EtcdDb(new EtcdDbOptions { ClientPort = 2379, PeerPort = 2379 }));
}
