using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;

namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>
/// A partition as data (STYLE.md G7): for each node, the peers whose packets it drops. A node missing
/// from <see cref="DropsFrom"/> hears everyone. Directional: "a drops from b" says nothing of b.
/// </summary>
public sealed record Grudge(ImmutableDictionary<Node, ImmutableHashSet<Node>> DropsFrom)
{
    public static Grudge None { get; } = new(ImmutableDictionary<Node, ImmutableHashSet<Node>>.Empty);

    public bool IsEmpty => DropsFrom.Values.All(s => s.IsEmpty);

    public bool Drops(Node at, Node from) => DropsFrom.TryGetValue(at, out var peers) && peers.Contains(from);

    /// <summary>The nodes <paramref name="node"/> still hears from among <paramref name="all"/>, itself included.</summary>
    public IEnumerable<Node> Hears(Node node, IEnumerable<Node> all) => all.Where(p => !Drops(node, p));

    /// <summary>As it is written into the history: node name → sorted names it drops from; nodes that drop nothing are left out.</summary>
    public Value ToValue() =>
        Values.Map(DropsFrom.Where(e => !e.Value.IsEmpty).OrderBy(e => e.Key.Name, StringComparer.Ordinal)
            .Select(e => (e.Key.Name, Values.Names(e.Value))));

    public bool Equals(Grudge? other) =>
        other is not null && Normal().Count == other.Normal().Count
        && Normal().All(e => other.Normal().TryGetValue(e.Key, out var s) && s.SetEquals(e.Value));

    public override int GetHashCode() => Normal().Count;

    public override string ToString() => ToValue().ToString();

    private Dictionary<Node, ImmutableHashSet<Node>> Normal() => DropsFrom.Where(e => !e.Value.IsEmpty).ToDictionary();
}
