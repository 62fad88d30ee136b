using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Clock;
using Ddia.Verify.Nemesis.Partitions;
using Ddia.Verify.Nemesis.Processes;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Packages;

/// <summary>
/// Builds nemesis packages from fault names (Jepsen's <c>nemesis-package</c>). Each fault's schedule
/// alternates its start and its stop (start-partition, stop-partition, …); the faults are mixed, one
/// op about every <see cref="NemesisOptions.Interval"/>, so faults of different kinds may overlap.
/// Every choice (which fault, which shape, which target, which offset) is drawn from the generator's
/// seeded context, so a run's seed replays its schedule.
/// </summary>
public static class NemesisPackages
{
    /// <summary>
    /// The package for <see cref="NemesisOptions.Faults"/>, without the faults this environment or system
    /// cannot take: those are listed in <see cref="NemesisPackage.Unavailable"/> with the reason.
    /// </summary>
    /// <exception cref="ArgumentException">A fault name is unknown, or an option is out of range.</exception>
    public static NemesisPackage For(NemesisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        var unknown = options.Faults.Where(f => !Faults.All.Contains(f)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"unknown fault {string.Join(", ", unknown)}: use {string.Join(", ", Faults.All)}", nameof(options));

        var unavailable = Unavailable(options);
        var wanted = Faults.All.Where(f => options.Faults.Contains(f) && unavailable.All(u => u.Fault != f)).ToList();
        var parts = wanted.Select(f => Single(f, options)).ToList();
        var composed = NemesisPackage.Compose(parts);
        var schedule = parts.Count == 0
            ? Gen.Empty
            // A quiet first interval lets the system settle before the first fault.
            : Gen.Concat(Gen.Sleep(options.Interval), Gen.Stagger(options.Interval, Gen.Mix(parts.Select(p => p.Generator))));
        return composed with
        {
            Generator = schedule,
            Unavailable = [.. unavailable.Where(u => options.Faults.Contains(u.Fault.Split(':')[0]))],
        };
    }

    /// <summary>
    /// Why each fault cannot run with these options: the environment lacks a capability, the system an
    /// interface, or the clock has no admin port. Includes refinements such as <c>partition:primaries</c>.
    /// </summary>
    public static ImmutableArray<UnavailableFault> Unavailable(NemesisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var list = ImmutableArray.CreateBuilder<UnavailableFault>();
        var firewall = (options.Capabilities & RemoteCapabilities.Firewall) != 0;
        var signals = (options.Capabilities & RemoteCapabilities.Signals) != 0;
        if (!firewall)
        {
            const string why = "this environment cannot run iptables inside the nodes (no Firewall capability; the local environment needs root)";
            list.Add(new(Faults.Partition, why));
            list.Add(new(Faults.Loss, why));
        }
        else if (options.Db is not IPrimaryAware && options.Partitions.Contains(PartitionKind.Primaries))
        {
            list.Add(new($"{Faults.Partition}:primaries", "the system cannot say which node is primary; the other partition shapes run"));
        }
        if (options.Db is not IPausable) list.Add(new(Faults.Pause, "the system cannot be paused (its IDb is not IPausable)"));
        else if (!signals) list.Add(new(Faults.Pause, "this environment cannot signal processes (no Signals capability)"));
        if (options.Db is not IKillable) list.Add(new(Faults.Kill, "the system cannot be killed and restarted (its IDb is not IKillable)"));
        else if (!signals) list.Add(new(Faults.Kill, "this environment cannot signal processes (no Signals capability)"));
        if (options.CrashPoint is null || options.AdminPort is null)
            list.Add(new(Faults.Crash, "the system names no crash point (reference 2pc nodes only)"));
        else if (options.Db is not IKillable) list.Add(new(Faults.Crash, "the system cannot be restarted after a crash (its IDb is not IKillable)"));
        if (options.AdminPort is null)
            list.Add(new(Faults.Clock, "clock skew needs the nodes' /admin/clock endpoint (reference nodes only): no admin port given"));
        return list.ToImmutable();
    }

    /// <summary>The package of one fault, whether or not this environment can run it (see <see cref="Unavailable"/>).</summary>
    public static NemesisPackage Single(string fault, NemesisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var db = options.Db;
        var aware = db is IPrimaryAware;
        ImmutableArray<Target> Usable(ImmutableArray<Target> targets)
        {
            var usable = targets.Where(t => aware || t.Kind != TargetKind.Primaries).ToImmutableArray();
            return usable.IsEmpty ? [Target.One] : usable;
        }
        return fault switch
        {
            Faults.Partition => Package(fault, new PartitionNemesis(db), NemesisFs.StartPartition, NemesisFs.StopPartition,
                Shapes(options, aware).Select(k => Value.Of(k.Name())).ToImmutableArray()),
            Faults.Loss => Package(fault, new LossNemesis(db, options.LossProbability), NemesisFs.StartLoss, NemesisFs.StopLoss,
                Usable(options.LossTargets).Select(t => Values.Map(("target", t.ToValue()), ("probability", Value.Of(options.LossProbability))))
                    .ToImmutableArray()),
            Faults.Pause => Package(fault, new PauseNemesis(db), NemesisFs.Pause, NemesisFs.Resume,
                Usable(options.ProcessTargets).Select(t => t.ToValue()).ToImmutableArray()),
            Faults.Kill => Package(fault, new KillNemesis(db), NemesisFs.Kill, NemesisFs.Start,
                Usable(options.ProcessTargets).Select(t => t.ToValue()).ToImmutableArray()),
            Faults.Crash => Package(fault,
                new CrashPointNemesis(db, options.AdminPort ?? throw new ArgumentException("crash faults need NemesisOptions.AdminPort", nameof(options)),
                    options.CrashPoint ?? throw new ArgumentException("crash faults need NemesisOptions.CrashPoint", nameof(options))),
                NemesisFs.ArmCrash, NemesisFs.RecoverCrash, Usable(options.ProcessTargets).Select(t => t.ToValue()).ToImmutableArray()),
            Faults.Clock => ClockPackage(options, Usable(options.ClockTargets)),
            _ => throw new ArgumentException($"unknown fault {fault}: use {string.Join(", ", Faults.All)}", nameof(fault)),
        };
    }

    private static NemesisPackage Package(string fault, INemesis nemesis, string startF, string stopF, ImmutableArray<Value> startValues)
    {
        var starts = Gen.Ops((_, random) => new OpTemplate(startF, startValues[random.Next(startValues.Length)]));
        return new(nemesis, Gen.FlipFlop(starts, Gen.Repeat(new OpTemplate(stopF))), Gen.Once(new OpTemplate(stopF)),
            new HashSet<string>(StringComparer.Ordinal) { fault });
    }

    private static NemesisPackage ClockPackage(NemesisOptions options, ImmutableArray<Target> targets)
    {
        var nemesis = new ClockNemesis(options.Db, new ClockOptions
        {
            AdminPort = options.AdminPort ?? throw new ArgumentException("clock faults need NemesisOptions.AdminPort", nameof(options)),
            MaxSkew = options.MaxClockSkew,
        });
        var maxMs = (long)options.MaxClockSkew.TotalMilliseconds;
        var starts = Gen.Ops((_, random) =>
        {
            var target = targets[random.Next(targets.Length)].ToValue();
            // Two bumps for every strobe: big jumps break leases and LWW most often; strobes find the subtler cases.
            return random.Next(3) < 2
                ? new OpTemplate(NemesisFs.BumpClock, Values.Map(("target", target), ("offsetMs", Value.Of(random.NextInt64(2 * maxMs + 1) - maxMs))))
                : new OpTemplate(NemesisFs.StrobeClock, Values.Map(("target", target)));
        });
        return new(nemesis, Gen.FlipFlop(starts, Gen.Repeat(new OpTemplate(NemesisFs.ResetClock))), Gen.Once(new OpTemplate(NemesisFs.ResetClock)),
            new HashSet<string>(StringComparer.Ordinal) { Faults.Clock });
    }

    private static ImmutableArray<PartitionKind> Shapes(NemesisOptions options, bool primaryAware)
    {
        var shapes = options.Partitions.Where(k => primaryAware || k != PartitionKind.Primaries).Distinct().ToImmutableArray();
        return shapes.IsEmpty ? [PartitionKind.Halves] : shapes;
    }
}
