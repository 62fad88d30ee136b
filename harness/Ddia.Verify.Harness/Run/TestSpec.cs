using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;

namespace Ddia.Verify.Harness.Run;

/// <summary>
/// A test, as one immutable record (Jepsen's test map, STYLE.md G10): every slot has a default that
/// does nothing, and variants are made with <c>with</c>. What <see cref="Describe"/> returns is stored as
/// test.json, so that <c>ddia-verify check &lt;run dir&gt;</c> can check the history again offline.
/// </summary>
public sealed record TestSpec
{
    public required string Name { get; init; }
    /// <summary>The nodes, when there is no <see cref="Environment"/> to make them.</summary>
    public ImmutableArray<Node> Nodes { get; init; } = [];

    /// <summary>Where the nodes run; null: the <see cref="Nodes"/> given, with no way to act on them (in-process tests).</summary>
    public IEnvironment? Environment { get; init; }

    /// <summary>How many nodes the <see cref="Environment"/> makes.</summary>
    public int NodeCount { get; init; } = 3;
    public IDb Db { get; init; } = NoopDb.Instance;
    public IClient Client { get; init; } = NoopClient.Instance;
    public INemesis Nemesis { get; init; } = NoopNemesis.Instance;
    public IGenerator Generator { get; init; } = Gen.Empty;
    public IChecker Checker { get; init; } = Checkers.Checkers.UnbridledOptimism;

    /// <summary>Client threads. The default is one per node.</summary>
    public int Concurrency { get; init; }

    /// <summary>Seeds the generators (printed in the results, so a run's op sequence can be replayed).</summary>
    public ulong Seed { get; init; }

    /// <summary>How long the generator is meant to run; the watchdog ends the run at this plus <see cref="Grace"/>.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed beyond <see cref="TimeLimit"/> for the final phase and ops in flight. The default is 60 s.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After this an op is recorded as Info. The default is 5 s.</summary>
    public TimeSpan OpTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How the history should be checked again offline: for a linearizable workload, its model and initial value.</summary>
    public CheckSettings Check { get; init; } = new();

    /// <summary>The command that runs this test again (shown in the report), when it was composed from the CLI's options.</summary>
    public string? CommandLine { get; init; }

    /// <summary>What test.json records about the run beyond the slots: system, workload, nemesis, read mode…</summary>
    public ImmutableDictionary<string, string> Options { get; init; } = ImmutableDictionary<string, string>.Empty;

    public int Workers => Concurrency > 0 ? Concurrency : Environment is null ? Nodes.Length : NodeCount;
}

/// <summary>What test.json records for checking a history again: null fields are left to the CLI's defaults.</summary>
public sealed record CheckSettings
{
    public string? Model { get; init; }
    public string? InitialValue { get; init; }
}
