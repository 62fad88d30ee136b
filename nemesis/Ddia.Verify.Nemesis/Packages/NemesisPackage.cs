using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;

namespace Ddia.Verify.Nemesis.Packages;

/// <summary>
/// A fault, ready to run (STYLE.md G8, Jepsen's nemesis packages): the nemesis that injects it, the
/// generator of its schedule, the final generator that heals it, and the names of the faults inside.
/// Both generators are meant for the nemesis thread: wrap them with <see cref="Gen.Nemesis"/> (or use
/// <see cref="Gen.ClientsAndNemesis"/> and <see cref="Gen.MainThenFinal"/>, which do).
/// </summary>
public sealed record NemesisPackage(INemesis Nemesis, IGenerator Generator, IGenerator FinalGenerator, IReadOnlySet<string> Faults)
{
    /// <summary>Faults that were asked for but left out, and why: for the CLI to print before the run.</summary>
    public ImmutableArray<UnavailableFault> Unavailable { get; init; } = [];

    /// <summary>No faults at all.</summary>
    public static NemesisPackage None { get; } = new(NoopNemesis.Instance, Gen.Empty, Gen.Empty, new HashSet<string>());

    /// <summary>
    /// The packages as one: nemeses composed by f, schedules running side by side, heals one after
    /// another in the given order.
    /// </summary>
    public static NemesisPackage Compose(IEnumerable<NemesisPackage> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var ps = packages.ToList();
        var unavailable = ps.SelectMany(p => p.Unavailable).ToImmutableArray();
        var live = ps.Where(p => p.Faults.Count > 0).ToList();
        var composed = live switch
        {
            [] => None,
            [var one] => one,
            _ => new NemesisPackage(
                Nemeses.Compose([.. live.Select(p => p.Nemesis)]),
                Gen.Any(live.Select(p => p.Generator)),
                Gen.Concat(live.Select(p => p.FinalGenerator)),
                live.SelectMany(p => p.Faults).ToHashSet(StringComparer.Ordinal)),
        };
        return composed with { Unavailable = unavailable };
    }
}

/// <summary>A fault that cannot run in this test, and why, in plain words.</summary>
public sealed record UnavailableFault(string Fault, string Reason)
{
    public override string ToString() => $"{Fault}: {Reason}";
}
