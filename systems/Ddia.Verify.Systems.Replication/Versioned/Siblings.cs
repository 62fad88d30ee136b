namespace Ddia.Verify.Systems.Replication.Versioned;

/// <summary>How replicas settle concurrent writes to one key (DDIA §5.4 "Handling Write Conflicts").</summary>
public enum ConflictPolicy
{
    /// <summary>Last write wins: the newest writer's wall clock (then node id) wins, the other writes are silently lost.</summary>
    LastWriteWins,
    /// <summary>Version vectors: every value no other one supersedes stays, as a sibling, until a write that saw it replaces it.</summary>
    VersionVectors,
}

public static class ConflictPolicies
{
    /// <summary>The command line's names: lww, version-vectors.</summary>
    public static ConflictPolicy Parse(string name) => name switch
    {
        "lww" => ConflictPolicy.LastWriteWins,
        "version-vectors" => ConflictPolicy.VersionVectors,
        _ => throw new ArgumentException($"unknown conflict policy '{name}'", nameof(name)),
    };
}

/// <summary>
/// One write of one value. (<see cref="Node"/>, <see cref="Counter"/>) is the write's dot: unique for the key, issued by
/// the node that took the write. <see cref="Context"/> is what its writer had seen (the client's context: the writes it
/// replaces); under LWW it is empty and <see cref="WallMs"/> (the writer's offset wall clock) orders writes.
/// </summary>
/// <remarks>
/// A dotted version vector (Preguiça et al.): a write replaces exactly the writes its context covers, not everything
/// its own clock happens to dominate, so a blind write stays concurrent with a write of the same node it never saw.
/// </remarks>
public sealed record Sibling(string Value, int Node, long Counter, long WallMs, VersionVector Context)
{
    /// <summary>Everything this write knows, itself included: what a client that read it puts back as context.</summary>
    public VersionVector Clock => Context.With(Node, Counter);

    public bool IsCoveredBy(VersionVector vector) => vector[Node] >= Counter;

    /// <summary>LWW's order: wall clock, then node id, then the dot's counter and the value (only so that every replica
    /// picks the same winner).</summary>
    public static int CompareLww(Sibling a, Sibling b)
    {
        var c = a.WallMs.CompareTo(b.WallMs);
        if (c == 0) c = a.Node.CompareTo(b.Node);
        if (c == 0) c = a.Counter.CompareTo(b.Counter);
        return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
    }
}

/// <summary>
/// The values a replica holds for one key: under LWW at most one (the newest), under version vectors every write no
/// other held write's context covers. Immutable; <see cref="Merge"/> is commutative, associative and idempotent, so
/// replicas that exchanged the same writes in any order and any number of times hold the same siblings.
/// </summary>
public sealed class Siblings : IEquatable<Siblings>
{
    public static readonly Siblings Empty = new([]);

    private Siblings(Sibling[] items)
    {
        Array.Sort(items, Sibling.CompareLww);
        Items = items;
    }

    /// <summary>Oldest first (by wall clock, node, counter).</summary>
    public IReadOnlyList<Sibling> Items { get; }

    public bool IsEmpty => Items.Count == 0;

    /// <summary>The merged clocks of all siblings: the context a read of this key hands the client.</summary>
    public VersionVector Context => Items.Aggregate(VersionVector.Empty, (v, s) => v.Merge(s.Clock));

    public static Siblings Of(ConflictPolicy policy, IEnumerable<Sibling> items) =>
        items.Aggregate(Empty, (set, s) => set.Add(policy, s));

    /// <summary>This set with one more write under the conflict rule (a replica applying a replicated write).</summary>
    public Siblings Add(ConflictPolicy policy, Sibling incoming)
    {
        if (policy == ConflictPolicy.LastWriteWins)
        {
            return Items.Count == 1 && Sibling.CompareLww(Items[0], incoming) >= 0 ? this : new Siblings([incoming]);
        }
        // Drop what the incoming write replaces; keep it unless a held write replaced it. Linear: a key written blind
        // over and over collects many siblings, and every replication merges them.
        var kept = new List<Sibling>(Items.Count + 1);
        bool removed = false, held = false, survives = true;
        foreach (var s in Items)
        {
            if (incoming.IsCoveredBy(s.Context)) survives = false;
            if (s.Node == incoming.Node && s.Counter == incoming.Counter) held = true;   // the same write (re-added below)
            else if (s.IsCoveredBy(incoming.Context)) removed = true;
            else kept.Add(s);
        }
        if (!removed && survives == held) return this;
        if (survives) kept.Add(incoming);
        return new Siblings([.. kept]);
    }

    public Siblings Merge(ConflictPolicy policy, Siblings other) =>
        ReferenceEquals(this, other) || Equals(other) ? this : other.Items.Aggregate(this, (set, s) => set.Add(policy, s));

    /// <summary>
    /// A client's write of <paramref name="value"/> taken by <paramref name="node"/>, at its wall clock
    /// <paramref name="wallMs"/>, with the context the client read (empty for a blind write). Under version vectors the
    /// new write replaces exactly the siblings that context covers; its counter is above every counter of this node
    /// the key has seen, so it is a new dot (the node taking the write must hold all of its own earlier writes of the key).
    /// Under LWW the context is ignored and the newest wall clock wins.
    /// </summary>
    public (Siblings After, Sibling Written) Put(ConflictPolicy policy, int node, string value, VersionVector context, long wallMs)
    {
        var counter = Math.Max(context[node], Context[node]) + 1;
        var written = new Sibling(value, node, counter, wallMs, policy == ConflictPolicy.LastWriteWins ? VersionVector.Empty : context);
        return (Add(policy, written), written);
    }

    public bool Equals(Siblings? other) => other is not null && Items.SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is Siblings s && Equals(s);

    public override int GetHashCode() => Items.Aggregate(0, (h, s) => HashCode.Combine(h, s));
}
