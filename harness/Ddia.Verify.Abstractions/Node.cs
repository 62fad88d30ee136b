using System.Collections.Immutable;

namespace Ddia.Verify.Abstractions;

/// <summary>A node of the cluster under test: its name (n1, n2, …) and the address clients and peers use.</summary>
public sealed record Node(string Name, string Address)
{
    public override string ToString() => Name;
}

/// <summary>
/// What every part of a running test may read: the nodes, the seed, and the clock. Passed explicitly
/// to every call (no ambient state), and immutable.
/// </summary>
public sealed record TestContext(string Name, ImmutableArray<Node> Nodes, ulong Seed, TimeProvider Time);
