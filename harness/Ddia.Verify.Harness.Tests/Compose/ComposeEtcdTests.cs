using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Systems.Adapters.Etcd;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>etcd options become etcd tests (or usage errors naming the option). Nothing is started; composing needs
/// /usr/bin/etcd (etcd-server) installed.</summary>
public sealed class ComposeEtcdTests
{
    [Theory]
    [InlineData("linearizable", false)]
    [InlineData("serializable", true)]
    public void Register_TalksToEtcdWithTheReadsAskedFor(string reads, bool serializable)
    {
        var options = new RunOptions { System = "etcd", EtcdReads = reads, Workload = "register", Nemesis = ["partition", "kill", "pause"], ReadWeight = 3 };

        var spec = TestComposer.Compose(options, out var unavailable);

        Assert.IsType<EtcdDb>(spec.Db);
        Assert.Equal(serializable, Assert.IsType<EtcdRegisterClient>(spec.Client).Options.SerializableReads);
        Assert.Equal("cas-register", spec.Check.Model);
        Assert.Equal($"{reads} reads", spec.Options["configuration"]);
        Assert.Equal($"etcd-register-{reads}-reads-partition+kill+pause", spec.Name);
        Assert.Equal(TimeSpan.FromSeconds(10), spec.OpTimeout);
        Assert.Contains("--system etcd --workload register --etcd-reads " + reads, spec.CommandLine, StringComparison.Ordinal);
        Assert.Contains("--read-weight 3", spec.CommandLine, StringComparison.Ordinal);
        if (TestComposer.NamespacesUnavailable() is null) Assert.Empty(unavailable);
    }

    [Fact]
    public void LockSet_UsesEtcdsLockWithATwoSecondLease_AndTheLinearizableSetChecker()
    {
        var spec = TestComposer.Compose(new RunOptions { System = "etcd", Workload = "lock-set", Nemesis = ["pause"], Scenario = "pause-one" }, out _);

        var client = Assert.IsType<EtcdLockSetClient>(spec.Client);
        Assert.Equal((2, "ls/lock", "ls/set", false), (client.Options.LockTtlSeconds, client.LockName, client.SetKey, client.Options.SerializableReads));
        Assert.True(Assert.IsType<SetChecker>(spec.Checker).Linearizable);
        Assert.Equal("lock lease 2 s, linearizable reads", spec.Options["configuration"]);
        Assert.Equal("pause-one", spec.Options["scenario"]);
        Assert.DoesNotContain("--read-weight", spec.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_NeedsNoNodeProgram_AndHasNoClockToSkew()
    {
        var options = new RunOptions { System = "etcd", NodeProgram = "/nonexistent/ddia-node.dll", Nemesis = ["clock", "pause"] };

        TestComposer.Compose(options, out var unavailable);

        Assert.Contains(unavailable, u => u.StartsWith("clock", StringComparison.Ordinal));
        Assert.DoesNotContain(unavailable, u => u.StartsWith("pause", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("stale", "register", null, "--etcd-reads")]
    [InlineData("linearizable", "lock", null, "--workload")]
    [InlineData("linearizable", "lock-set", "isolate-one", "--scenario isolate-one")]
    [InlineData("linearizable", "register", "pause-one", "--scenario pause-one")]
    public void ImpossibleCombinations_AreUsageErrors_NamingTheOption(string reads, string workload, string? scenario, string named)
    {
        // isolate-one needs partitions and pause-one pauses: give each the other fault.
        var options = new RunOptions
        {
            System = "etcd", EtcdReads = reads, Workload = workload, Scenario = scenario,
            Nemesis = scenario == "isolate-one" ? ["pause"] : ["partition"],
        };
        var e = Assert.Throws<UsageException>(() => TestComposer.Compose(options, out _));
        Assert.StartsWith(named, e.Message, StringComparison.Ordinal);
    }
}
