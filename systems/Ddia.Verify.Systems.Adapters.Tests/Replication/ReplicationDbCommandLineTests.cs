using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Replication;

namespace Ddia.Verify.Systems.Adapters.Tests.Replication;

/// <summary>What the adapter asks for, without any process: each system's command line, its options' rules, and who
/// counts as a primary.</summary>
public sealed class ReplicationDbCommandLineTests
{
    private static readonly TestContext Test = new("t", [new("n1", "10.0.0.1"), new("n2", "10.0.0.2"), new("n3", "10.0.0.3")], 1, TimeProvider.System)
    {
        Remote = new DirectoryOnlyRemote(),
    };

    private static readonly string[] Common =
        ["--id", "2", "--listen-http", "10.0.0.2:8080", "--data", "/nodes/n2/data", "--peer-http", "1=10.0.0.1:8080", "--peer-http", "3=10.0.0.3:8080"];

    [Fact]
    public void Daemon_SingleLeader_NamesEveryPeerAndItsReplicationKnobs()
    {
        var db = new ReplicationDb(new ReplicationDbOptions
        {
            NodeProgram = "/opt/ddia/ddia-node.dll", DotnetHost = "/usr/bin/dotnet",
            Replication = "semi-sync", Reads = "any", Failover = "naive", FailoverTimeoutMs = 700,
        });

        var daemon = db.Daemon(Test, Test.Nodes[1]);

        Assert.Equal("/usr/bin/dotnet", daemon.Executable);
        Assert.Equal(["/opt/ddia/ddia-node.dll", "--system", "leader", .. Common,
            "--replication", "semi-sync", "--reads", "any", "--failover", "naive", "--failover-timeout-ms", "700"], daemon.Arguments);
        Assert.Equal(("/nodes/n2", "/nodes/n2/node.log", "/nodes/n2/node.pid"), (daemon.WorkingDirectory, daemon.LogFile, daemon.PidFile));
        Assert.Equal("node.log", db.LogFiles(Test, Test.Nodes[1])["/nodes/n2/node.log"]);
    }

    [Fact]
    public void Daemon_MultiLeader_NamesItsConflictResolution()
    {
        var db = new ReplicationDb(new ReplicationDbOptions { NodeProgram = "/opt/ddia/ddia-node", System = "multi-leader", Conflicts = "lww" });

        var daemon = db.Daemon(Test, Test.Nodes[1]);

        Assert.Equal("/opt/ddia/ddia-node", daemon.Executable);
        Assert.Equal(["--system", "multi-leader", .. Common, "--conflicts", "lww"], daemon.Arguments);
    }

    [Fact]
    public void Daemon_Leaderless_NamesItsQuorumsOnlyWhenSet()
    {
        var sloppy = new ReplicationDb(new ReplicationDbOptions
        {
            NodeProgram = "/opt/ddia/ddia-node", System = "leaderless", N = 3, W = 1, R = 1, SloppyQuorum = true, ReadRepair = false,
        });
        var plain = new ReplicationDb(new ReplicationDbOptions { NodeProgram = "/opt/ddia/ddia-node", System = "leaderless" });

        Assert.Equal(["--system", "leaderless", .. Common, "--n", "3", "--w", "1", "--r", "1", "--sloppy-quorum", "--read-repair", "off", "--conflicts", "version-vectors"],
            sloppy.Daemon(Test, Test.Nodes[1]).Arguments);
        Assert.Equal(["--system", "leaderless", .. Common, "--read-repair", "on", "--conflicts", "version-vectors"],
            plain.Daemon(Test, Test.Nodes[1]).Arguments);
    }

    [Theory]
    [InlineData("leader", "semi-sync", null, null)]            // fine
    [InlineData("multi-leader", "async", null, "single-leader")]
    [InlineData("leader", "sync", "lww", "multi-leader and leaderless")]
    [InlineData("quorum", "sync", null, "System")]
    public void Options_RejectKnobsOfAnotherSystem(string system, string replication, string? conflicts, string? error)
    {
        var options = new ReplicationDbOptions { NodeProgram = "x", System = system, Replication = replication, Conflicts = conflicts ?? "version-vectors" };

        var e = Record.Exception(() => new ReplicationDb(options));

        if (error is null) Assert.Null(e);
        else Assert.Contains(error, Assert.IsType<ValidationException>(e).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_RejectQuorumsLargerThanN_AndQuorumsOutsideLeaderless()
    {
        Assert.Throws<ValidationException>(() => new ReplicationDb(new ReplicationDbOptions { NodeProgram = "x", System = "leaderless", N = 2, W = 3 }));
        Assert.Throws<ValidationException>(() => new ReplicationDb(new ReplicationDbOptions { NodeProgram = "x", System = "multi-leader", SloppyQuorum = true }));
        Assert.Throws<ValidationException>(() => new ReplicationDb(new ReplicationDbOptions { NodeProgram = "x", System = "leaderless", W = 0 }));
    }

    [Fact]
    public void ClientOptions_ReadFromTheOwnNodeOnlyUnderReadsAny_AndReadBeforeWritingOnlyUnderVersionVectors()
    {
        var any = new ReplicationDbOptions { NodeProgram = "x", Reads = "any", HttpPort = 9000 }.ClientOptions;
        var leader = new ReplicationDbOptions { NodeProgram = "x" }.ClientOptions;
        var vv = new ReplicationDbOptions { NodeProgram = "x", System = "leaderless" }.ClientOptions;
        var lww = new ReplicationDbOptions { NodeProgram = "x", System = "multi-leader", Conflicts = "lww" }.ClientOptions;

        Assert.Equal((9000, true, false), (any.HttpPort, any.ReadsFromOwnNode, any.ReadBeforeWrite));
        Assert.Equal((false, false), (leader.ReadsFromOwnNode, leader.ReadBeforeWrite));
        Assert.Equal((false, true), (vv.ReadsFromOwnNode, vv.ReadBeforeWrite));
        Assert.False(lww.ReadBeforeWrite);
        Assert.Equal(("set", 7), (vv.ForSet(new() { Keys = 7 }).Workload, vv.ForSet(new() { Keys = 7 }).SetKeys));
        Assert.Equal(("counter", "c"), (vv.ForCounter(new() { Key = "c" }).Workload, vv.ForCounter(new() { Key = "c" }).CounterKey));
    }

    [Theory]
    [InlineData("""{"system":"leader","role":"leader","leader":"n1"}""", true)]
    [InlineData("""{"system":"leader","role":"follower","leader":"n1"}""", false)]
    [InlineData("""{"system":"leader","role":"candidate","leader":null}""", false)]
    [InlineData("""{"system":"multi-leader","role":"leader"}""", true)]
    [InlineData("""{"system":"leaderless","role":"replica"}""", true)]
    [InlineData("""{"system":"leaderless"}""", false)]
    [InlineData("""[]""", false)]
    public void IsPrimary_TheLeaderOfOne_EveryNodeOfTheOthers(string status, bool expected) =>
        Assert.Equal(expected, ReplicationDb.IsPrimary(JsonDocument.Parse(status).RootElement));

    /// <summary>Only <see cref="IRemote.NodeDirectory"/>: enough to build command lines.</summary>
    private sealed class DirectoryOnlyRemote : IRemote
    {
        public RemoteCapabilities Capabilities => RemoteCapabilities.None;
        public string NodeDirectory(Node node) => "/nodes/" + node.Name;
        public ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation) => throw new NotSupportedException();
    }
}
