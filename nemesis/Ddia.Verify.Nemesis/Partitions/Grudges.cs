using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>
/// Pure constructors of grudges (STYLE.md G7). Random choices come from the <see cref="GenRandom"/>
/// passed in, so a seed gives the same partition every time; nothing here touches a node.
/// </summary>
public static class Grudges
{
    /// <summary>No node hears any node outside its own component. Nodes in no component are left alone.</summary>
    public static Grudge Complete(IEnumerable<IEnumerable<Node>> components)
    {
        var parts = components.Select(c => c.ToImmutableHashSet()).ToList();
        var all = parts.SelectMany(c => c).ToImmutableHashSet();
        var builder = ImmutableDictionary.CreateBuilder<Node, ImmutableHashSet<Node>>();
        foreach (var part in parts)
            foreach (var node in part)
                builder[node] = all.Except(part);
        return new(builder.ToImmutable());
    }

    /// <summary>One random node cut off from all the others.</summary>
    public static Grudge IsolateOne(ImmutableArray<Node> nodes, GenRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (nodes.Length < 2) return Grudge.None;
        var lone = nodes[random.Next(nodes.Length)];
        return Isolate([lone], nodes);
    }

    /// <summary><paramref name="isolated"/> cut off from the rest of <paramref name="nodes"/> (the primaries, say).</summary>
    public static Grudge Isolate(IEnumerable<Node> isolated, IEnumerable<Node> nodes)
    {
        var cut = isolated.ToImmutableHashSet();
        var rest = nodes.Where(n => !cut.Contains(n)).ToList();
        return cut.IsEmpty || rest.Count == 0 ? Grudge.None : Complete([cut, rest]);
    }

    /// <summary>The nodes in random order split into two halves, the first the smaller: Jepsen's random bisection.</summary>
    public static Grudge Halves(ImmutableArray<Node> nodes, GenRandom random)
    {
        var shuffled = Shuffle.Of(nodes, random);
        var half = shuffled.Length / 2;
        return half == 0 ? Grudge.None : Complete([shuffled[..half], shuffled[half..]]);
    }

    /// <summary>
    /// Two halves that share one node, the bridge: the bridge drops nothing and nobody drops from it,
    /// while the two sides cannot hear each other. With n ≥ 3 the bridge is in both sides' majority view.
    /// </summary>
    public static Grudge Bridge(ImmutableArray<Node> nodes, GenRandom random)
    {
        var shuffled = Shuffle.Of(nodes, random);
        var half = shuffled.Length / 2;
        if (half == 0) return Grudge.None;
        // shuffled[half] is the bridge: in neither component, so Complete leaves it alone both ways.
        return Complete([shuffled[..half], shuffled[(half + 1)..]]);
    }

    /// <summary>
    /// Jepsen's majorities ring: the nodes in a random ring, each hearing only the window of a
    /// majority of consecutive nodes around itself. Every node sees a majority, and with n ≥ 3 no two
    /// see the same one, so no majority agrees on who is in it. The grudge is symmetric when the
    /// majority n/2+1 is odd; with an even majority the window leans one way, as in Jepsen.
    /// </summary>
    public static Grudge MajoritiesRing(ImmutableArray<Node> nodes, GenRandom random)
    {
        var ring = Shuffle.Of(nodes, random);
        var n = ring.Length;
        var m = Targets.Targets.MajoritySize(n);
        if (m >= n) return Grudge.None;   // one or two nodes: a majority is everyone
        var all = ring.ToImmutableHashSet();
        var builder = ImmutableDictionary.CreateBuilder<Node, ImmutableHashSet<Node>>();
        for (var i = 0; i < n; i++)
        {
            // The window starts m/2 before i, so i is at its middle.
            var window = Enumerable.Range(0, m).Select(k => ring[(((i - m / 2 + k) % n) + n) % n]);
            builder[ring[i]] = all.Except(window);
        }
        return new(builder.ToImmutable());
    }

    /// <summary>The grudge of <paramref name="kind"/>; primaries are given, since only the running system knows them.</summary>
    public static Grudge Of(PartitionKind kind, ImmutableArray<Node> nodes, GenRandom random, IEnumerable<Node>? primaries = null) => kind switch
    {
        PartitionKind.One => IsolateOne(nodes, random),
        PartitionKind.Halves => Halves(nodes, random),
        PartitionKind.MajoritiesRing => MajoritiesRing(nodes, random),
        PartitionKind.Bridge => Bridge(nodes, random),
        _ => Isolate(primaries ?? [], nodes),
    };
}
