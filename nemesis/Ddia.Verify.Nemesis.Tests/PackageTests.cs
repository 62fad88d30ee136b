using System.Collections.Immutable;
using CsCheck;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Packages;
using Ddia.Verify.Nemesis.Partitions;
using Ddia.Verify.Nemesis.Processes;
using Ddia.Verify.Nemesis.Targets;
using Gen = Ddia.Verify.Generators.Gen;

namespace Ddia.Verify.Nemesis.Tests;

/// <summary>Nemesis packages run in virtual time with the Generators' <see cref="Simulator"/>.</summary>
public sealed class PackageTests
{
    private const RemoteCapabilities Everything = RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall;


    private static readonly Gen<(ulong Seed, string[] Faults)> Cases = CsCheck.Gen.Select(
        CsCheck.Gen.ULong,
        CsCheck.Gen.Bool.Array[Faults.All.Count].Select(pick => Faults.All.Where((_, i) => pick[i]).ToArray()).Where(f => f.Length > 0));

    private static string Print((ulong Seed, string[] Faults) c) => $"seed {c.Seed}, faults {string.Join(',', c.Faults)}";

    private static NemesisOptions Options(params string[] faults) => new()
    {
        Faults = [.. faults],
        Db = new FakeDb(),
        Capabilities = Everything,
        AdminPort = 8080,
        CrashPoint = "after-decision",
        Interval = TimeSpan.FromSeconds(10),
    };

    /// <summary>The package's schedule for <paramref name="length"/>, then its final generator, as nemesis invocations.</summary>
    private static List<Op> Run(NemesisPackage package, ulong seed, TimeSpan length) =>
        [.. new Simulator(2, seed).Run(Gen.Phases(Gen.Nemesis(Gen.TimeLimit(length, package.Generator)), Gen.Nemesis(package.FinalGenerator)))
            .Where(op => op.IsInvoke)];

    private static List<Op> MainPhase(List<Op> ops, NemesisPackage package) => ops.Take(ops.Count - package.Faults.Count).ToList();

    [Fact]
    public void EachFault_AlternatesStartAndStop_AndTheFinalGeneratorLeavesEveryFaultStopped() =>
        Cases.Sample(c =>
        {
            var package = NemesisPackages.For(Options(c.Faults));
            var ops = Run(package, c.Seed, TimeSpan.FromMinutes(30));
            Assert.All(ops, op => Assert.Equal(Op.NemesisProcess, op.Process));
            foreach (var fault in c.Faults)
            {
                var (starts, stop) = Faults.Ops[fault];
                var mine = ops.Where(op => starts.Contains(op.F) || op.F == stop).ToList();
                var main = mine.Take(mine.Count - 1).ToList();
                for (var i = 0; i < main.Count; i++)
                    Assert.True(i % 2 == 0 ? starts.Contains(main[i].F) : main[i].F == stop, $"{fault} op {i}: {main[i]}");
                Assert.Equal(stop, mine[^1].F);   // healed at the end, whatever the main phase left
            }
            Assert.All(ops, op => Assert.Contains(Faults.Ops.Single(p => p.Value.Starts.Contains(op.F) || p.Value.Stop == op.F).Key, c.Faults));
        }, iter: 200, print: Print);

    [Fact]
    public void TheFinalGenerator_IsOneHealPerFault_ResumeAndStartFirst()
    {
        var package = NemesisPackages.For(Options(Faults.Clock, Faults.Partition, Faults.Kill, Faults.Loss, Faults.Pause));
        var final = new Simulator(1, 0).Run(Gen.Nemesis(package.FinalGenerator)).Where(op => op.IsInvoke).Select(op => op.F);
        Assert.Equal([NemesisFs.Resume, NemesisFs.Start, NemesisFs.StopPartition, NemesisFs.StopLoss, NemesisFs.ResetClock], final);
    }

    [Fact]
    public void TheSameSeed_GivesTheSameSchedule_AndOtherSeedsOtherOnes()
    {
        var package = NemesisPackages.For(Options([.. Faults.All]));
        string Schedule(ulong seed) => string.Join('\n', Run(package, seed, TimeSpan.FromMinutes(10)).Select(op => $"{op.Time} {op.F} {op.Value}"));
        Assert.Equal(Schedule(17), Schedule(17));
        var others = Enumerable.Range(100, 5).Select(s => Schedule((ulong)s)).ToList();
        Assert.Equal(others.Count, others.Distinct().Count());
    }

    [Fact]
    public void FaultOps_ComeAboutOncePerInterval_AfterAQuietFirstInterval()
    {
        var package = NemesisPackages.For(Options(Faults.Partition, Faults.Pause));
        var ops = MainPhase(Run(package, 5, TimeSpan.FromHours(10)), package);
        Assert.True(ops[0].Time >= TimeSpan.FromSeconds(10).Ticks * 100);
        // 10 h at a mean of 10 s: 3600 ops expected; allow for the randomness of the gaps.
        Assert.InRange(ops.Count, 3300, 3900);
    }

    [Fact]
    public void StartValues_AreShapesAndTargetsTheNemesesUnderstand() =>
        Cases.Sample(c =>
        {
            var package = NemesisPackages.For(Options(c.Faults));
            foreach (var op in Run(package, c.Seed, TimeSpan.FromMinutes(20)))
            {
                switch (op.F)
                {
                    case NemesisFs.StartPartition: PartitionKinds.Parse(op.Value.AsText); break;
                    case NemesisFs.Pause or NemesisFs.Kill or NemesisFs.ArmCrash: Target.Parse(op.Value, Target.One); break;
                    case NemesisFs.StartLoss or NemesisFs.BumpClock or NemesisFs.StrobeClock: Target.Parse(op.Value.Get("target"), Target.One); break;
                    default: Assert.True(op.Value.IsNil, $"{op.F} should carry no value, has {op.Value}"); break;
                }
            }
        }, iter: 50, print: Print);

    [Fact]
    public void WithoutAFirewall_PartitionAndLossAreDropped_WithAPlainReason()
    {
        var package = NemesisPackages.For(Options(Faults.Partition, Faults.Loss, Faults.Pause) with { Capabilities = RemoteCapabilities.Exec | RemoteCapabilities.Signals });

        Assert.Equal([Faults.Pause], package.Faults);
        Assert.Equal([Faults.Partition, Faults.Loss], package.Unavailable.Select(u => u.Fault));
        Assert.All(package.Unavailable, u => Assert.Contains("iptables", u.Reason));
        Assert.All(Run(package, 1, TimeSpan.FromMinutes(10)), op => Assert.Contains(op.F, new[] { NemesisFs.Pause, NemesisFs.Resume }));
    }

    [Fact]
    public void ASystemWithoutCapabilities_LosesPauseKillAndPrimaries_AndNoPortMeansNoClock()
    {
        var options = Options([.. Faults.All]) with { Db = NoopDb.Instance, AdminPort = null };
        var package = NemesisPackages.For(options);
        Assert.Equal([Faults.Partition, Faults.Loss], package.Faults.Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(["partition:primaries", Faults.Pause, Faults.Kill, Faults.Crash, Faults.Clock], package.Unavailable.Select(u => u.Fault));
        Assert.DoesNotContain(Run(package, 3, TimeSpan.FromHours(1)), op => op.Value.ToString().Contains("primaries", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownFaults_AreRefused_AndNoFaultsIsTheEmptyPackage()
    {
        var e = Assert.Throws<ArgumentException>(() => NemesisPackages.For(Options("partition", "meteor")));
        Assert.Contains("meteor", e.Message);
        var none = NemesisPackages.For(Options());
        Assert.Empty(none.Faults);
        Assert.Same(NoopNemesis.Instance, none.Nemesis);
    }

    [Fact]
    public async Task RunningTheSchedule_AgainstTheNemeses_LeavesNoFaultBehind()
    {
        // Every op of a simulated schedule performed by the package's nemesis against the recording fakes:
        // after the final generator no rule is left in any chain and no node is paused or killed.
        var db = new FakeDb();
        var remote = new FakeFirewallRemote();
        var test = Cluster.Context(5, seed: 21, remote);
        var package = NemesisPackages.For(Options(Faults.Partition, Faults.Loss, Faults.Pause, Faults.Kill) with { Db = db });
        var nemesis = await package.Nemesis.SetupAsync(test, default);

        foreach (var op in Run(package, 21, TimeSpan.FromMinutes(30)))
        {
            var done = await nemesis.InvokeAsync(test, op, default);
            Assert.Equal(OpType.Info, done.Type);
            Assert.Null(done.Value.Get("errors"));
        }

        Assert.Empty(remote.Chains.Values.SelectMany(c => c));
        Assert.All(((ComposedNemesis)nemesis).Parts.OfType<ProcessNemesis>(), p => Assert.Empty(p.Faulted));
        var calls = db.Calls.ToList();
        Assert.Equal(calls.Count(c => c.StartsWith("kill", StringComparison.Ordinal)), calls.Count(c => c.StartsWith("start", StringComparison.Ordinal)));
    }

    [Fact]
    public void Compose_RunsBothSchedules_AndHealsInOrder()
    {
        var a = NemesisPackages.Single(Faults.Pause, Options());
        var b = NemesisPackages.Single(Faults.Kill, Options());
        var both = NemesisPackage.Compose([a, b]);
        Assert.Equal([Faults.Kill, Faults.Pause], both.Faults.Order(StringComparer.Ordinal));
        var fs = new Simulator(1, 0).Run(Gen.Nemesis(Gen.Limit(40, both.Generator))).Select(op => op.F).ToHashSet();
        Assert.Superset(new HashSet<string> { NemesisFs.Pause, NemesisFs.Kill }, fs);
        Assert.Equal([NemesisFs.Resume, NemesisFs.Start],
            new Simulator(1, 0).Run(Gen.Nemesis(both.FinalGenerator)).Where(op => op.IsInvoke).Select(op => op.F));
    }
}
