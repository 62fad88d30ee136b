using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Nemesis.Partitions;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Packages;

/// <summary>What <see cref="NemesisPackages.For"/> needs to build a fault schedule (STYLE.md G21); validated when the package is built.</summary>
public sealed record NemesisOptions
{
    /// <summary>The faults to run, by name (<see cref="Nemesis.Faults"/>: partition, loss, pause, kill, crash, clock). The default value is none.</summary>
    public ImmutableArray<string> Faults { get; init; } = [];

    /// <summary>Mean time between two fault ops (starts and stops alike). The default value is 10 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The system under test: pause, kill and "primaries" act through its capability interfaces.</summary>
    public IDb Db { get; init; } = NoopDb.Instance;

    /// <summary>
    /// What the environment can do: <c>session.Remote.Capabilities</c> (or <c>test.Remote.Capabilities</c>). Faults it
    /// cannot inject are dropped and listed in <see cref="NemesisPackage.Unavailable"/>. The default value is none.
    /// </summary>
    public RemoteCapabilities Capabilities { get; init; }

    /// <summary>The nodes' admin HTTP port, for clock faults (reference nodes only). The default value is null: no clock faults.</summary>
    public int? AdminPort { get; init; }

    /// <summary>The partition shapes to draw from. The default value is all of them (primaries only when the db is IPrimaryAware).</summary>
    public ImmutableArray<PartitionKind> Partitions { get; init; } = [.. PartitionKinds.All];

    /// <summary>Which nodes pause and kill hit, drawn per op. The default value is one, primaries, minority, majority and all.</summary>
    public ImmutableArray<Target> ProcessTargets { get; init; } = [Target.One, Target.Primaries, Target.Minority, Target.Majority, Target.All];

    /// <summary>The step of its protocol at which the system can be made to crash (the reference 2pc coordinator's
    /// <c>after-decision</c>), for crash faults through the admin port. The default value is null: no crash faults.</summary>
    public string? CrashPoint { get; init; }

    /// <summary>Which nodes drop packets, drawn per op. The default value is one, minority, majority and all.</summary>
    public ImmutableArray<Target> LossTargets { get; init; } = [Target.One, Target.Minority, Target.Majority, Target.All];

    /// <summary>Probability that a node drops a packet from a peer while loss is on. The default value is 0.2.</summary>
    public double LossProbability { get; init; } = 0.2;

    /// <summary>Which nodes clock faults hit, drawn per op. The default value is one, primaries, minority and majority.</summary>
    public ImmutableArray<Target> ClockTargets { get; init; } = [Target.One, Target.Primaries, Target.Minority, Target.Majority];

    /// <summary>Bumps are uniform in ±this. The default value is 60 s.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(60);
}
