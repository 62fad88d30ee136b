using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Partitions;
using Ddia.Verify.Nemesis.Processes;

namespace Ddia.Verify.Nemesis.Tests;

public sealed class ComposedNemesisTests
{
    [Fact]
    public async Task Compose_RoutesEachOpByItsF()
    {
        var db = new FakeDb();
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(3, remote: remote);
        var nemesis = await Nemeses.Compose(new PauseNemesis(db), new KillNemesis(db), new PartitionNemesis(db)).SetupAsync(test, default);

        Assert.Equal(["kill", "pause", "resume", "start", "start-partition", "stop-partition"], nemesis.Fs.Order(StringComparer.Ordinal));
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Kill, Value.List(Value.Of("n2"))), default);
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("one")), default);

        Assert.Equal(["kill n2"], db.Calls);
        Assert.NotEmpty(remote.Commands);
        await Assert.ThrowsAsync<ArgumentException>(() => nemesis.InvokeAsync(test, Cluster.Invoke("bump-clock"), default).AsTask());
    }

    [Fact]
    public void Compose_RefusesTwoNemesesForOneF() =>
        Assert.Throws<ArgumentException>(() => Nemeses.Compose(new PauseNemesis(new FakeDb()), new PauseNemesis(new FakeDb())));

    [Fact]
    public async Task Teardown_HealsEveryPart_EvenWhenOneFails()
    {
        var db = new FakeDb();
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(3, remote: remote);
        var nemesis = await Nemeses.Compose(new PartitionNemesis(db), new KillNemesis(db)).SetupAsync(test, default);
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.Kill, Value.List(Value.Of("n1"))), default);
        await nemesis.InvokeAsync(test, Cluster.Invoke(NemesisFs.StartPartition, Value.Of("one")), default);
        remote.Broken.Add("n3");   // the partition nemesis cannot heal n3

        await Assert.ThrowsAsync<NemesisTeardownException>(() => nemesis.TeardownAsync(test, default).AsTask());

        Assert.Contains("start n1", db.Calls);   // the kill nemesis still healed
    }

    [Fact]
    public void Compose_OfNothing_IsNoop_AndOfOne_IsItself()
    {
        Assert.Same(NoopNemesis.Instance, Nemeses.Compose());
        var one = new KillNemesis(new FakeDb());
        Assert.Same(one, Nemeses.Compose(one));
    }
}
