using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Ddia.Verify.Systems.Replication.Versioned;

/// <summary>How two version vectors relate (DDIA §5.4 "Capturing the happens-before relationship").</summary>
public enum Causality
{
    Equal,
    /// <summary>The left one happened before the right one: the right one knows everything the left one does.</summary>
    Before,
    After,
    Concurrent,
}

/// <summary>
/// A version vector: for each node, how many of that node's events (writes) it covers. Immutable; absent entries are 0,
/// and zero entries are never stored, so equal vectors have equal entries.
/// </summary>
public sealed class VersionVector : IEquatable<VersionVector>
{
    public static readonly VersionVector Empty = new(ImmutableSortedDictionary<int, long>.Empty);

    private readonly ImmutableSortedDictionary<int, long> entries;

    private VersionVector(ImmutableSortedDictionary<int, long> entries)
    {
        this.entries = entries;
    }

    public static VersionVector Of(IEnumerable<KeyValuePair<int, long>> entries)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<int, long>();
        foreach (var (node, counter) in entries)
        {
            if (counter < 0) throw new ArgumentOutOfRangeException(nameof(entries), "counters are never negative");
            if (counter > 0) b[node] = Math.Max(counter, b.GetValueOrDefault(node));
        }
        return new VersionVector(b.ToImmutable());
    }

    public IReadOnlyDictionary<int, long> Entries => entries;

    public long this[int node] => entries.GetValueOrDefault(node);

    public bool IsEmpty => entries.IsEmpty;

    /// <summary>This vector with <paramref name="node"/>'s entry raised to at least <paramref name="counter"/>.</summary>
    public VersionVector With(int node, long counter) =>
        counter <= this[node] ? this : new VersionVector(entries.SetItem(node, counter));

    /// <summary>One more event of <paramref name="node"/>.</summary>
    public VersionVector Increment(int node) => new(entries.SetItem(node, this[node] + 1));

    /// <summary>The entry-wise maximum: everything either one knows.</summary>
    public VersionVector Merge(VersionVector other)
    {
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        var b = entries.ToBuilder();
        foreach (var (node, counter) in other.entries)
        {
            if (counter > b.GetValueOrDefault(node)) b[node] = counter;
        }
        return new VersionVector(b.ToImmutable());
    }

    /// <summary>Whether this vector covers every event <paramref name="other"/> does (entry-wise ≥).</summary>
    public bool Descends(VersionVector other) => other.entries.All(e => this[e.Key] >= e.Value);

    public Causality Compare(VersionVector other) => (Descends(other), other.Descends(this)) switch
    {
        (true, true) => Causality.Equal,
        (true, false) => Causality.After,
        (false, true) => Causality.Before,
        _ => Causality.Concurrent,
    };

    /// <summary>"1:3,2:5" (ascending node ids); "" for the empty vector.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (node, counter) in entries)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(node.ToString(CultureInfo.InvariantCulture)).Append(':').Append(counter.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Parses <see cref="ToString"/>'s form; null for anything else.</summary>
    public static VersionVector? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return Empty;
        var pairs = new List<KeyValuePair<int, long>>();
        foreach (var part in text.Split(','))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0
                || !int.TryParse(part.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var node)
                || !long.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var counter))
                return null;
            pairs.Add(new(node, counter));
        }
        return Of(pairs);
    }

    public bool Equals(VersionVector? other) => other is not null && entries.Count == other.entries.Count && Descends(other) && other.Descends(this);

    public override bool Equals(object? obj) => obj is VersionVector v && Equals(v);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var (node, counter) in entries)
        {
            h.Add(node);
            h.Add(counter);
        }
        return h.ToHashCode();
    }
}
