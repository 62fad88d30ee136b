using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Nemesis.Targets;

public enum TargetKind
{
    /// <summary>One node chosen at random.</summary>
    One,
    /// <summary>The nodes the system says lead now (<see cref="IPrimaryAware"/>).</summary>
    Primaries,
    /// <summary>A random set of one node fewer than a majority (2 of 5, 2 of 4, 1 of 3).</summary>
    Minority,
    /// <summary>A random set of more than half the nodes.</summary>
    Majority,
    All,
    /// <summary>The nodes named in <see cref="Target.Names"/>.</summary>
    Named,
}

/// <summary>
/// Which nodes a fault hits, before it is resolved against a running test: in op values it is a
/// string (<c>"one"</c>, <c>"primaries"</c>, <c>"minority"</c>, <c>"majority"</c>, <c>"all"</c>) or a list of node names.
/// </summary>
public sealed record Target(TargetKind Kind, ImmutableArray<string> Names = default)
{
    public static Target One { get; } = new(TargetKind.One);
    public static Target Primaries { get; } = new(TargetKind.Primaries);
    public static Target Minority { get; } = new(TargetKind.Minority);
    public static Target Majority { get; } = new(TargetKind.Majority);
    public static Target All { get; } = new(TargetKind.All);

    public static Target Of(params IEnumerable<string> names) => new(TargetKind.Named, [.. names]);

    public Value ToValue() => Kind == TargetKind.Named ? Value.List(Names.Select(Value.Of).ToImmutableArray()) : Value.Of(Text(Kind));

    public override string ToString() => Kind == TargetKind.Named ? $"[{string.Join(' ', Names)}]" : Text(Kind);

    public bool Equals(Target? other) =>
        other is not null && Kind == other.Kind && Names.IsDefault == other.Names.IsDefault
        && (Names.IsDefault || Names.SequenceEqual(other.Names, StringComparer.Ordinal));

    public override int GetHashCode() => HashCode.Combine(Kind, Names.IsDefault ? 0 : Names.Length);

    /// <summary>Reads a target from an op value; nil gives <paramref name="fallback"/>.</summary>
    /// <exception cref="ArgumentException">The value is neither a target name nor a list of node names.</exception>
    public static Target Parse(Value? value, Target fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (value is null || value.IsNil) return fallback;
        if (value.Kind is ValueKind.List or ValueKind.Set)
            return Of(value.Items.Select(v => v.AsText ?? throw new ArgumentException($"node names must be strings, not {v}", nameof(value))));
        return value.AsText switch
        {
            "one" => One,
            "primaries" => Primaries,
            "minority" => Minority,
            "majority" => Majority,
            "all" => All,
            _ => throw new ArgumentException(
                $"{value} is not a target: use one, primaries, minority, majority, all, or a list of node names", nameof(value)),
        };
    }

    private static string Text(TargetKind kind) => kind switch
    {
        TargetKind.One => "one",
        TargetKind.Primaries => "primaries",
        TargetKind.Minority => "minority",
        TargetKind.Majority => "majority",
        TargetKind.All => "all",
        _ => "named",
    };
}

/// <summary>The nodes a target resolved to, and why they are fewer than asked for (no primary known, unknown name), if so.</summary>
public sealed record ResolvedTarget(ImmutableArray<Node> Nodes, string? Note = null);

/// <summary>Resolves targets with a seeded random source, so that a run's choices replay from its seed.</summary>
public static class Targets
{
    /// <summary>The pure part: every kind but <see cref="TargetKind.Primaries"/>, chosen from <paramref name="nodes"/>.</summary>
    public static ResolvedTarget Pick(Target target, ImmutableArray<Node> nodes, GenRandom random)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(random);
        var n = nodes.Length;
        switch (target.Kind)
        {
            case TargetKind.One:
                return new(n == 0 ? [] : [nodes[random.Next(n)]]);
            case TargetKind.Minority:
                return new(Shuffle.Of(nodes, random).Take(MinoritySize(n)).ToImmutableArray());
            case TargetKind.Majority:
                return new(Shuffle.Of(nodes, random).Take(Math.Min(n, MajoritySize(n))).ToImmutableArray());
            case TargetKind.All:
                return new(nodes);
            case TargetKind.Named:
                var byName = nodes.ToDictionary(x => x.Name, StringComparer.Ordinal);
                var unknown = target.Names.Where(x => !byName.ContainsKey(x)).ToList();
                var found = target.Names.Where(byName.ContainsKey).Distinct(StringComparer.Ordinal).Select(x => byName[x]).ToImmutableArray();
                return new(found, unknown.Count == 0 ? null : $"no such node: {string.Join(", ", unknown)}");
            default:
                throw new ArgumentException("primaries depend on the running system: use ResolveAsync", nameof(target));
        }
    }

    /// <summary>Resolves any target; primaries are asked of <paramref name="db"/> when it is <see cref="IPrimaryAware"/>.</summary>
    public static async ValueTask<ResolvedTarget> ResolveAsync(Target target, TestContext test, IDb db, GenRandom random,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(test);
        if (target.Kind != TargetKind.Primaries) return Pick(target, test.Nodes, random);
        if (db is not IPrimaryAware aware) return new([], "the system cannot say which node is primary");
        var primaries = await aware.PrimariesAsync(test, cancellation).ConfigureAwait(false);
        return primaries.Count == 0 ? new([], "no primary known") : new(Values.InTestOrder(test, primaries));
    }

    /// <summary>Jepsen's <c>majority</c>: more than half.</summary>
    public static int MajoritySize(int n) => n / 2 + 1;

    /// <summary>The largest set that is not a majority, as Jepsen's <c>minority</c>.</summary>
    public static int MinoritySize(int n) => Math.Max(0, MajoritySize(n) - 1);
}

/// <summary>Fisher–Yates over a seeded source: the same seed, the same order.</summary>
internal static class Shuffle
{
    public static Node[] Of(IEnumerable<Node> nodes, GenRandom random)
    {
        var a = nodes.ToArray();
        for (var i = a.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }
}
