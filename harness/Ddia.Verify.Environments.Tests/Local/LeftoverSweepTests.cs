using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments.Tests.Local;

/// <summary>
/// What a kill -9'd harness leaves behind, made by hand: a slot file whose owner (a real process, then killed) is
/// dead, its bridge, namespace, veth and FORWARD rule, and a daemon still running inside the namespace.
/// </summary>
[Trait("Category", "Process")]
[Collection(nameof(TeardownCollection))]
public sealed class LeftoverSweepTests
{
    private sealed record Leftovers(int Slot, IReadOnlyList<int> Processes);

    private static Leftovers MakeLeftovers()
    {
        using var owner = Process.Start(new ProcessStartInfo("sleep", "1000"))!;
        var ownerRecord = new SlotOwner(owner.Id, Procfs.StartTime(owner.Id)!.Value, "/tmp/ddia-verify", "leftover");
        var slot = ClaimFromTheTop(ownerRecord);
        string Name(string format) => string.Format(CultureInfo.InvariantCulture, format, slot);
        var ns = Name("ddv{0}-n1");

        Machine.Run("ip", "link", "add", Name("ddv{0}"), "type", "bridge");
        Machine.Run("ip", "netns", "add", ns);
        Machine.Run("ip", "link", "add", Name("ddv{0}h1"), "type", "veth", "peer", "name", Name("ddv{0}n1"), "netns", ns);
        Machine.Run("ip", "link", "set", Name("ddv{0}h1"), "master", Name("ddv{0}"));
        Machine.Run("iptables", "-w", "-I", "FORWARD", "-i", Name("ddv{0}"), "-o", Name("ddv{0}"), "-j", "ACCEPT",
            "-m", "comment", "--comment", Name("ddia-verify-{0}"));
        var pidFile = Path.Combine("/tmp/ddia-verify", Name("{0}"), "n1", "db.pid");
        Directory.CreateDirectory(Path.GetDirectoryName(pidFile)!);
        File.Delete(pidFile);
        // A daemon that wrote its pid file, and a stray that did not (found through the namespace).
        const string Detached = "exec </dev/null >/dev/null 2>&1; ";
        Machine.Run("ip", "netns", "exec", ns, "setsid", "--fork", "sh", "-c", Detached + "echo $$ > \"$0\"; exec sleep 1000", pidFile);
        Machine.Run("ip", "netns", "exec", ns, "setsid", "--fork", "sh", "-c", Detached + "exec sleep 1001");
        var deadline = Stopwatch.StartNew();
        List<int> InNamespace() => [.. Machine.Run("ip", "netns", "pids", ns).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        while (InNamespace().Count < 2 || !File.Exists(pidFile))
            Assert.True(deadline.Elapsed < Machine.Patience, "the leftover daemons started");
        var processes = InNamespace();

        owner.Kill();   // the harness dies without cleaning up
        owner.WaitForExit();
        return new Leftovers(slot, processes);
    }

    /// <summary>Slots are claimed from 1 upwards, so a hand-made one from 200 downwards stays out of the way.</summary>
    private static int ClaimFromTheTop(SlotOwner owner)
    {
        Directory.CreateDirectory("/run/ddia-verify");
        for (var slot = 200; slot >= 1; slot--)
        {
            try
            {
                using var file = new FileStream(Slots.FilePath("/run/ddia-verify", slot), FileMode.CreateNew);
                JsonSerializer.Serialize(file, owner);
                return slot;
            }
            catch (IOException)
            {
            }
        }
        throw new InvalidOperationException("no free slot");
    }

    private static void AssertSwept(Leftovers leftovers)
    {
        Machine.AssertSlotGone(leftovers.Slot);
        Assert.All(leftovers.Processes, pid => Assert.Null(Machine.State(pid)));
    }

    [Fact]
    public async Task Open_AfterTheOwnerWasKilled_SweepsItsLeftovers()
    {
        var leftovers = MakeLeftovers();
        Assert.Equal(2, leftovers.Processes.Count);
        Assert.Contains($"ddv{leftovers.Slot}-n1", Machine.Namespaces());

        await using var session = await Machine.OpenAsync(1);

        AssertSwept(leftovers);
    }

    [Fact]
    public async Task SweepLeftovers_RemovesDeadSessions_AndLeavesLiveOnesAlone()
    {
        await using var live = await Machine.OpenAsync(1);
        var leftovers = MakeLeftovers();

        Assert.True(await LocalEnvironment.SweepLeftoversAsync() >= 1);

        AssertSwept(leftovers);
        Assert.Contains(live.NamespaceOf(live.Nodes[0])!, Machine.Namespaces());
        Assert.True(Machine.HasForwardRule(live.Slot));
        Assert.Equal("ok\n", await live.RunAsync(live.Nodes[0], ["echo", "ok"], CancellationToken.None));
    }
}
