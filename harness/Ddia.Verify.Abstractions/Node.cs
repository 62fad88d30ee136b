using System.Collections.Immutable;

namespace Ddia.Verify.Abstractions;

/// <summary>A node of the cluster under test: its name (n1, n2, …) and the address clients and peers use.</summary>
public sealed record Node(string Name, string Address)
{
    public override string ToString() => Name;
}

/// <summary>
/// What every part of a running test may read: the nodes, the seed, the clock, and the environment's
/// <see cref="IRemote"/> (the only way to touch a node). Passed explicitly to every call (no ambient
/// state), and immutable.
/// </summary>
public sealed record TestContext(string Name, ImmutableArray<Node> Nodes, ulong Seed, TimeProvider Time)
{
    /// <summary>How to act on the nodes. The default has no environment and refuses every action.</summary>
    public IRemote Remote { get; init; } = NoRemote.Instance;

    /// <summary>Where this run keeps its files on the machine running the harness (the run's store directory).</summary>
    public string? StoreDirectory { get; init; }
}
