using System.Text.Json;
using System.Xml.Linq;
using Ddia.Verify.Testing;
using Xunit.Abstractions;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>
/// The same Raft test outside network namespaces: in Docker containers (a node image built from this machine's files,
/// iptables inside the containers, SIGSTOP pauses) and over SSH to sshd hosts (in namespaces here, with real keys and
/// checked host keys, the self-contained node program uploaded). Each must come out linearizable with its faults really
/// injected. Likewise PostgreSQL SERIALIZABLE, killed and paused, in a container (its image made from this machine's
/// PostgreSQL files) and on an ssh host (its own packages): serializable. Nothing may be left behind: no container,
/// network, namespace, sshd or server.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class EnvironmentsEndToEndTests(StoreDir store, ITestOutputHelper output) : IClassFixture<StoreDir>
{
    private const string UploadedPrograms = "/tmp/ddia-verify-ssh/bin";

    private const string Docker = "raft/docker", Ssh = "raft/ssh", PostgresDocker = "postgres/docker", PostgresSsh = "postgres/ssh";

    [Fact]
    public async Task EnvironmentsCampaign_RaftAndPostgres_InDockerAndOverSsh_GetTheirExpectedVerdicts_AndLeaveNothing()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root, as CI has");
        await using (var rig = await SshRig.StartAsync(3))
        {
            var (exit, log) = await Launcher.RunAsync(TimeSpan.FromMinutes(8), "campaign", "campaigns/environments.yaml",
                "--nodes-file", rig.NodesFile, "--ssh-known-hosts", rig.KnownHostsFile, "--store", store.Path, "--seed", "5");
            output.WriteLine(log);
            Assert.True(exit == 0, $"a run did not get what it expects (exit {exit})\n{log}");
        }

        var suite = XDocument.Load(Path.Combine(store.Path, "junit.xml")).Root!;
        Assert.Equal(("4", "0", "0"), ((string?)suite.Attribute("tests"), (string?)suite.Attribute("failures"), (string?)suite.Attribute("errors")));
        Assert.Equal([PostgresDocker, PostgresSsh, Docker, Ssh], suite.Elements("testcase").Select(t => (string)t.Attribute("name")!).Order(StringComparer.Ordinal));
        foreach (var run in new[] { Docker, Ssh }) AssertFaultsHit(run);
        foreach (var run in new[] { PostgresDocker, PostgresSsh }) AssertServerKilledAndPaused(run);
        foreach (var run in new[] { Docker, PostgresDocker }) Assert.Equal("docker", TestOption(run, "environment"));
        foreach (var run in new[] { Ssh, PostgresSsh }) Assert.StartsWith("ssh", TestOption(run, "environment"), StringComparison.Ordinal);

        // The hosts got the self-contained node program (they share this disk, so it shows here), kept there for later
        // runs; the test removes it.
        var uploaded = Directory.GetFiles(UploadedPrograms, "ddia-node", SearchOption.AllDirectories);
        try
        {
            Assert.Contains(uploaded, f => new FileInfo(f).Length == new FileInfo(Path.Combine(RepoFiles.Root, "out", "ddia-node", "ddia-node")).Length);
        }
        finally
        {
            foreach (var file in uploaded) Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }

        Assert.Empty(MachineState.Lines("docker", "ps", "-aq", "--filter", "label=ddia-verify.session"));
        Assert.Empty(MachineState.Lines("docker", "network", "ls", "-q", "--filter", "label=ddia-verify.session"));
        var processes = MachineState.Lines("ps", "-eo", "args");
        Assert.DoesNotContain(processes, p => p.Contains("sshd", StringComparison.Ordinal) && p.Contains("ddia-ssh-rig-", StringComparison.Ordinal));
        // The ssh hosts' servers ran from their data directories under the hosts' work root.
        Assert.DoesNotContain(processes, p => p.Contains("/tmp/ddia-verify-ssh/", StringComparison.Ordinal));
        Assert.Empty(MachineState.Leftovers());
    }

    /// <summary>The nemesis really cut the network (a grudge, and rules removed at the heal) and really paused nodes.</summary>
    private void AssertFaultsHit(string test)
    {
        var nemesis = File.ReadLines(Path.Combine(RunDirectory(test), "history.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(o => o.GetProperty("process").ValueKind == JsonValueKind.String && o.GetProperty("type").GetString() != "invoke")
            .ToList();
        Assert.Contains(nemesis, o => o.GetProperty("f").GetString() == "start-partition" && o.GetProperty("value").TryGetProperty("grudge", out _));
        Assert.Contains(nemesis, o => o.GetProperty("f").GetString() == "stop-partition" && o.GetProperty("value").GetProperty("removed").GetInt32() > 0);
        Assert.Contains(nemesis, o => o.GetProperty("f").GetString() == "pause" && o.GetProperty("value").GetProperty("nodes").GetArrayLength() > 0);
    }

    /// <summary>The nemesis really killed and paused the server's node (n1): kill -9 and SIGSTOP of the postmaster and its
    /// backends, and the server came back (ok transactions after the first kill).</summary>
    private void AssertServerKilledAndPaused(string test)
    {
        var ops = File.ReadLines(Path.Combine(RunDirectory(test), "history.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        bool Hit(JsonElement o, string f) => o.GetProperty("process").ValueKind == JsonValueKind.String && o.GetProperty("f").GetString() == f &&
                                              o.GetProperty("type").GetString() == "info" && o.GetProperty("value").ToString().Contains("n1", StringComparison.Ordinal);
        var firstKill = ops.FindIndex(o => Hit(o, "kill"));
        Assert.True(firstKill >= 0, $"{test}: no kill of n1");
        Assert.Contains(ops, o => Hit(o, "pause"));
        Assert.Contains(ops.Skip(firstKill), o => o.GetProperty("process").ValueKind == JsonValueKind.Number && o.GetProperty("type").GetString() == "ok");
    }

    // A run's store folder is its name with '/' (and other unsafe characters) as '_'.
    private string RunDirectory(string run) => Directory.GetDirectories(Path.Combine(store.Path, run.Replace('/', '_'))).Single();

    private string TestOption(string test, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RunDirectory(test), "test.json")));
        return json.RootElement.GetProperty("options").GetProperty(name).GetString()!;
    }
}
