using System.Diagnostics;
using System.Text.Json;
using Ddia.Verify.Testing;
using Xunit.Abstractions;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>
/// The same Raft test outside network namespaces: in Docker containers (a node image built from this machine's files,
/// iptables inside the containers, SIGSTOP pauses) and over SSH to sshd hosts (in namespaces here, with real keys and
/// checked host keys, the self-contained node program uploaded). Each must come out linearizable with its faults really
/// injected, and leave no container, network, namespace or sshd behind.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class EnvironmentsEndToEndTests(StoreDir store, ITestOutputHelper output) : IClassFixture<StoreDir>
{
    private const string UploadedPrograms = "/tmp/ddia-verify-ssh/bin";

    private static readonly string[] RaftUnderPartitionsAndPauses =
    [
        "run", "--system", "raft", "--workload", "register", "--nemesis", "partition,pause", "--nemesis-interval", "3", "--time-limit", "20",
    ];

    [Fact]
    public async Task Docker_RaftUnderPartitionsAndPauses_IsLinearizable_AndLeavesNoContainerOrNetwork()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root, as CI has");
        var (exit, log) = await Launcher.RunAsync(TimeSpan.FromMinutes(4),
            [.. RaftUnderPartitionsAndPauses, "--env", "docker", "--name", "raft-docker", "--store", store.Path, "--seed", "5"]);
        output.WriteLine(log);
        Assert.True(exit == 0, $"expected valid (exit 0), got exit {exit}\n{log}");
        AssertFaultsHit("raft-docker");
        Assert.Equal("docker", TestOption("raft-docker", "environment"));

        Assert.Empty(Docker("ps", "-aq", "--filter", "label=ddia-verify.session"));
        Assert.Empty(Docker("network", "ls", "-q", "--filter", "label=ddia-verify.session"));
        Assert.Empty(MachineState.Leftovers());
    }

    [Fact]
    public async Task Ssh_RaftUnderPartitionsAndPauses_IsLinearizable_AndLeavesNoSshdOrNamespace()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root, as CI has");
        await using (var rig = await SshRig.StartAsync(3))
        {
            var (exit, log) = await Launcher.RunAsync(TimeSpan.FromMinutes(4),
                [.. RaftUnderPartitionsAndPauses, "--env", "ssh", "--nodes-file", rig.NodesFile, "--ssh-known-hosts", rig.KnownHostsFile,
                 "--name", "raft-ssh", "--store", store.Path, "--seed", "6"]);
            output.WriteLine(log);
            Assert.True(exit == 0, $"expected valid (exit 0), got exit {exit}\n{log}");
            AssertFaultsHit("raft-ssh");
            Assert.StartsWith("ssh", TestOption("raft-ssh", "environment"), StringComparison.Ordinal);
        }
        // The hosts got the self-contained node program (they share this disk, so it shows here), kept for later runs;
        // the test removes it.
        var uploaded = Directory.GetFiles(UploadedPrograms, "ddia-node", SearchOption.AllDirectories);
        try
        {
            Assert.Contains(uploaded, f => new FileInfo(f).Length == new FileInfo(Path.Combine(RepoFiles.Root, "out", "ddia-node", "ddia-node")).Length);
        }
        finally
        {
            foreach (var file in uploaded) Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
        Assert.DoesNotContain(Processes(), p => p.Contains("sshd", StringComparison.Ordinal) && p.Contains("ddia-ssh-rig-", StringComparison.Ordinal));
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

    private string RunDirectory(string test) => Directory.GetDirectories(Path.Combine(store.Path, test)).Single();

    private string TestOption(string test, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RunDirectory(test), "test.json")));
        return json.RootElement.GetProperty("options").GetProperty(name).GetString()!;
    }

    private static string[] Docker(params string[] args) => Run("docker", args);

    private static string[] Processes() => Run("ps", "-eo", "args");

    private static string[] Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
