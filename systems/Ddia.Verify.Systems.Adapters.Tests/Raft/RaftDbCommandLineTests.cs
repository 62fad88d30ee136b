using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.Workloads.Lock;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Tests.Raft;

/// <summary>What the adapter asks for, without any process: the daemon's command line and the op ↔ HTTP shapes.</summary>
public sealed class RaftDbCommandLineTests
{
    private static readonly TestContext Test = new("t", [new("n1", "10.0.0.1"), new("n2", "10.0.0.2"), new("n3", "10.0.0.3")], 1, TimeProvider.System)
    {
        Remote = new DirectoryOnlyRemote(),
    };

    [Fact]
    public void Daemon_RunsTheDllWithTheDotnetHost_AndNamesEveryPeer()
    {
        var db = new RaftDb(new RaftDbOptions { NodeProgram = "/opt/ddia/ddia-node.dll", DotnetHost = "/usr/bin/dotnet", ReadMode = "lease", Fencing = false });

        var daemon = db.Daemon(Test, Test.Nodes[1]);

        Assert.Equal("/usr/bin/dotnet", daemon.Executable);
        Assert.Equal(
            ["/opt/ddia/ddia-node.dll", "--system", "raft", "--id", "2", "--listen-http", "10.0.0.2:8080", "--listen-peer", "10.0.0.2:7000",
             "--data", "/nodes/n2/data", "--read-mode", "lease", "--fencing", "off",
             "--peer", "1=10.0.0.1:7000", "--peer-http", "1=10.0.0.1:8080", "--peer", "3=10.0.0.3:7000", "--peer-http", "3=10.0.0.3:8080"],
            daemon.Arguments);
        var refusing = new RaftDb(new RaftDbOptions { NodeProgram = "/opt/ddia/ddia-node.dll", ForwardToLeader = false });
        Assert.DoesNotContain("--peer-http", refusing.Daemon(Test, Test.Nodes[1]).Arguments);
        Assert.Equal(("/nodes/n2", "/nodes/n2/node.log", "/nodes/n2/node.pid"), (daemon.WorkingDirectory, daemon.LogFile, daemon.PidFile));
        Assert.Equal("node.log", db.LogFiles(Test, Test.Nodes[1])["/nodes/n2/node.log"]);
    }

    [Fact]
    public void Daemon_RunsAnApphostDirectly()
    {
        var db = new RaftDb(new RaftDbOptions { NodeProgram = "/opt/ddia/ddia-node" });

        var daemon = db.Daemon(Test, Test.Nodes[0]);

        Assert.Equal("/opt/ddia/ddia-node", daemon.Executable);
        Assert.Equal("--system", daemon.Arguments[0]);
        Assert.Contains("on", daemon.Arguments);
    }

    [Fact]
    public void Options_RejectAnUnknownReadMode() =>
        Assert.ThrowsAny<Exception>(() => new RaftDb(new RaftDbOptions { NodeProgram = "x", ReadMode = "quorum" }));

    [Fact]
    public void RegisterShape_SendsIntegersAsText_AndReadsThemBackAsIntegers()
    {
        var options = new RaftClientOptions();
        var cas = new Op(0, 0, OpType.Invoke, 0, RegisterOps.Cas, RegisterOps.CasValue(Value.Nil, Value.Of(4)), Value.Of(7));

        var (path, body) = RegisterShape.Request(cas, options);

        Assert.Equal("/kv/cas", path);
        Assert.Equal("{ key = r/7, from = , to = 4 }", body.ToString());
        var read = new Op(0, 0, OpType.Invoke, 0, RegisterOps.Read, Value.Nil);
        var answer = new RaftAnswer(Outcome.Applied, System.Text.Json.JsonDocument.Parse("""{"ok":true,"value":"12","index":null}""").RootElement, null);
        Assert.Equal(Value.Of(12), RegisterShape.Completion(read, answer).Value);
    }

    [Theory]
    [InlineData("not-done", RegisterOps.Write, OpType.Fail)]
    [InlineData("unknown", RegisterOps.Write, OpType.Info)]
    [InlineData("unknown", RegisterOps.Read, OpType.Fail)]
    public void RegisterShape_MapsOutcomes(string outcome, string f, OpType expected)
    {
        var op = new Op(0, 0, OpType.Invoke, 0, f, f == RegisterOps.Read ? Value.Nil : Value.Of(1));
        var answer = new RaftAnswer(outcome == "unknown" ? Outcome.Unknown : Outcome.NotDone, default, "x");
        Assert.Equal(expected, RegisterShape.Completion(op, answer).Type);
    }

    [Fact]
    public void LockShape_NamesTheHolderByProcess_AndWritesToTheFencedKey()
    {
        var write = new Op(0, 0, OpType.Invoke, 3, LockOps.Write, LockOps.WriteValue(5, 0));

        Assert.Equal("{ token = 9, key = fenced, value = 5 }", LockShape.Write(write, 9, new RaftClientOptions()).ToString());
        Assert.Equal("{ client = p3, token = 9 }", LockShape.Release(write, 9).ToString());
    }

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
