using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Partitions;

namespace Ddia.Verify.Nemesis.Tests;

/// <summary>
/// Which iptables rules the network nemeses build and delete. The remote here is a recording fake
/// (<see cref="FakeFirewallRemote"/>); end-to-end runs in real namespaces are a separate suite.
/// </summary>
public sealed class IptablesTests
{
    // Captured from `iptables -w -S INPUT` (iptables v1.8.9, nf_tables) in a throwaway namespace.
    private const string RealListing = """
        -P INPUT ACCEPT
        -A INPUT -s 10.9.0.2/32 -m comment --comment ddia-verify-partition -j DROP
        -A INPUT -s 10.9.0.3/32 -m statistic --mode random --probability 0.25000000000 -m comment --comment ddia-verify-loss -j DROP
        -A INPUT -s 10.9.0.4/32 -m comment --comment ddia-verify-x -j DROP
        -A INPUT -s 10.9.0.5/32 -m comment --comment "other thing" -j ACCEPT
        """;

    [Fact]
    public void DropFrom_DropsOnePeersPacketsOnInput_WithOurComment() =>
        Assert.Equal(["iptables", "-w", "-A", "INPUT", "-s", "10.0.0.3", "-m", "comment", "--comment", "ddia-verify-partition", "-j", "DROP"],
            Iptables.DropFrom("10.0.0.3", Iptables.PartitionComment));

    [Fact]
    public void DropRandomlyFrom_UsesTheStatisticMatch_WithAnInvariantProbability()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            // A culture with a decimal comma must not leak into the command.
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal(["iptables", "-w", "-A", "INPUT", "-s", "10.0.0.3", "-m", "statistic", "--mode", "random", "--probability", "0.25",
                          "-m", "comment", "--comment", "ddia-verify-loss", "-j", "DROP"],
                Iptables.DropRandomlyFrom("10.0.0.3", 0.25, Iptables.LossComment));
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            // InvariantGlobalization: every culture is invariant anyway.
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Iptables.DropRandomlyFrom("10.0.0.3", 1.5, Iptables.LossComment));
        Assert.Throws<ArgumentOutOfRangeException>(() => Iptables.DropRandomlyFrom("10.0.0.3", 0, Iptables.LossComment));
    }

    [Fact]
    public void Deletions_OfARealListing_DeleteExactlyTheRulesWithOurComment()
    {
        Assert.Equal([["iptables", "-w", "-D", "INPUT", "-s", "10.9.0.2/32", "-m", "comment", "--comment", "ddia-verify-partition", "-j", "DROP"]],
            Iptables.Deletions(RealListing, Iptables.PartitionComment));
        Assert.Equal([["iptables", "-w", "-D", "INPUT", "-s", "10.9.0.3/32", "-m", "statistic", "--mode", "random", "--probability", "0.25000000000",
                       "-m", "comment", "--comment", "ddia-verify-loss", "-j", "DROP"]],
            Iptables.Deletions(RealListing, Iptables.LossComment));
        Assert.Equal([["iptables", "-w", "-D", "INPUT", "-s", "10.9.0.5/32", "-m", "comment", "--comment", "other thing", "-j", "ACCEPT"]],
            Iptables.Deletions(RealListing, "other thing"));
    }

    [Fact]
    public async Task StartPartition_Isolate_AddsOneDropRulePerCutLink_AndOnlyBetweenNodes()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(3, seed: 7, remote);
        var nemesis = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);

        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("one")), default);

        Assert.Equal(OpType.Info, done.Type);
        Assert.Equal("one", done.Value.Get("kind")!.AsText);
        var grudge = done.Value.Get("grudge")!;
        var lone = Assert.Single(grudge.Entries, e => e.Value.Items.Length == 2).Key.AsText!;
        // Four rules: the lone node drops from both others, and each of them drops from it.
        var added = remote.Commands.Where(c => c.Argv[2] == "-A").ToList();
        Assert.Equal(4, added.Count);
        var addressOf = test.Nodes.ToDictionary(n => n.Name, n => n.Address);
        Assert.All(added.Where(c => c.Node == lone), c => Assert.NotEqual(addressOf[lone], c.Argv[5]));
        Assert.All(added.Where(c => c.Node != lone), c => Assert.Equal(addressOf[lone], c.Argv[5]));
        // Only peers' addresses are dropped: nothing that would cut the clients' bridge address.
        Assert.All(added, c => Assert.Contains(c.Argv[5], addressOf.Values));
    }

    [Fact]
    public async Task StopPartition_RemovesOurRules_AndLeavesEveryOtherRule()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(5, seed: 3, remote);
        foreach (var n in test.Nodes) remote.Chain(n.Name).Add("-A INPUT -s 172.17.0.1/32 -j ACCEPT");
        remote.Chain("n1").Add(FakeFirewallRemote.Line(["INPUT", "-s", "10.77.0.9", "-m", "comment", "--comment", "ddia-verify-loss", "-j", "DROP"]));
        var nemesis = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);

        var started = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("majorities-ring")), default);
        Assert.True(remote.Chains.Values.Sum(c => c.Count) > 6);
        var stopped = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StopPartition), default);

        var rules = started.Value.Get("grudge")!.Entries.Sum(e => e.Value.Items.Length);
        Assert.Equal(rules, stopped.Value.Get("removed")!.AsLong);
        Assert.All(test.Nodes, n => Assert.Contains("-A INPUT -s 172.17.0.1/32 -j ACCEPT", remote.Chain(n.Name)));
        Assert.Equal(2, remote.Chain("n1").Count);   // the foreign rule and the loss nemesis's rule stay
        Assert.Equal(6, remote.Chains.Values.Sum(c => c.Count));
    }

    [Fact]
    public async Task StartPartition_Twice_ReplacesTheFirstPartition()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(5, seed: 11, remote);
        var nemesis = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("halves")), default);
        var second = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("one")), default);
        Assert.Equal(second.Value.Get("grudge")!.Entries.Sum(e => e.Value.Items.Length), remote.Chains.Values.Sum(c => c.Count));
    }

    [Fact]
    public async Task StartPartition_Primaries_IsolatesThePrimary_OrSaysNoneIsKnown()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(3, seed: 1, remote);
        var db = new FakeDb { Primaries = [Cluster.Nodes(3)[1]] };
        var nemesis = await new PartitionNemesis(db).SetupAsync(test, default);

        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("primaries")), default);
        Assert.Equal(["n1", "n3"], Cluster.Names(done.Value.Get("grudge")!.Get("n2")!));

        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StopPartition), default);
        db.Primaries = [];
        var none = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("primaries")), default);
        Assert.Equal("no primary known: nothing done", none.Value.Get("note")!.AsText);
        Assert.Empty(remote.Chains.Values.SelectMany(c => c));
    }

    [Fact]
    public async Task StartPartition_WithAnExplicitGrudge_AppliesItAsGiven()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(3, seed: 1, remote);
        var nemesis = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);
        var grudge = Cluster.Map(("n1", Value.List(Value.Of("n3"))));
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, grudge), default);
        Assert.Equal(grudge, done.Value.Get("grudge"));
        Assert.Equal(["-A INPUT -s 10.77.0.4/32 -m comment --comment ddia-verify-partition -j DROP"], remote.Chain("n1"));
    }

    [Fact]
    public async Task ANodeWhoseIptablesFails_IsReportedInTheCompletion_NotThrown()
    {
        var remote = new FakeFirewallRemote();
        remote.Broken.Add("n2");
        var test = Cluster.Context(3, seed: 1, remote);
        var nemesis = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("halves")), default);
        Assert.Contains("no route to node", done.Value.Get("errors")!.Get("n2")!.AsText);
        await Assert.ThrowsAsync<NemesisTeardownException>(() => nemesis.TeardownAsync(test, default).AsTask());
    }

    [Fact]
    public async Task WithoutTheFirewallCapability_NothingIsRun_AndTheCompletionSaysWhy()
    {
        var remote = new FakeFirewallRemote(RemoteCapabilities.Exec);
        var test = Cluster.Context(3, seed: 1, remote);
        var nemesis = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);
        var done = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition), default);
        Assert.Contains("no firewall", done.Value.Get("note")!.AsText);
        await nemesis.TeardownAsync(test, default);
        Assert.Empty(remote.Commands);
    }

    [Fact]
    public async Task StartLoss_AddsStatisticRulesFromEveryPeer_OnTheTargets_AndStopRemovesThem()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(3, seed: 5, remote);
        var nemesis = await new LossNemesis(new FakeDb(), 0.2).SetupAsync(test, default);

        var done = await nemesis.InvokeAsync(test,
            Cluster.Invoke(NemesisFs.StartLoss, Cluster.Map(("target", Value.List(Value.Of("n1"))), ("probability", Value.Of(0.5)))), default);

        Assert.Equal(["n1"], Cluster.Names(done.Value.Get("nodes")!));
        Assert.Equal(Value.Of(0.5), done.Value.Get("probability"));
        Assert.Equal(
            ["-A INPUT -s 10.77.0.3/32 -m statistic --mode random --probability 0.5 -m comment --comment ddia-verify-loss -j DROP",
             "-A INPUT -s 10.77.0.4/32 -m statistic --mode random --probability 0.5 -m comment --comment ddia-verify-loss -j DROP"],
            remote.Chain("n1"));
        Assert.Empty(remote.Chain("n2"));

        var stopped = await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StopLoss), default);
        Assert.Equal(2, stopped.Value.Get("removed")!.AsLong);
        Assert.Empty(remote.Chain("n1"));
    }

    [Fact]
    public async Task Teardown_RemovesPartitionAndLossRulesOnEveryNode()
    {
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(5, seed: 9, remote);
        var partition = await new PartitionNemesis(new FakeDb()).SetupAsync(test, default);
        var loss = await new LossNemesis(new FakeDb()).SetupAsync(test, default);
        await partition.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("bridge")), default);
        await loss.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartLoss), default);

        await Nemeses.Compose(partition, loss).TeardownAsync(test, default);

        Assert.Empty(remote.Chains.Values.SelectMany(c => c));
    }
}
