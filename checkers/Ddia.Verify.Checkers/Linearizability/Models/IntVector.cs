namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>An immutable array of ints with value equality: the state of multi-key and collection models.</summary>
public readonly struct IntVector : IEquatable<IntVector>
{
    private readonly int[] items;
    private readonly int hash;

    public IntVector(int[] items)
    {
        this.items = items;
        var h = new HashCode();
        foreach (var x in items) h.Add(x);
        hash = h.ToHashCode();
    }

    public static IntVector Empty { get; } = new([]);

    public ReadOnlySpan<int> Items => items;
    public int Length => items.Length;
    public int this[int i] => items[i];

    public IntVector With(int i, int value)
    {
        var copy = (int[])items.Clone();
        copy[i] = value;
        return new(copy);
    }

    public bool Equals(IntVector other) => hash == other.hash && items.AsSpan().SequenceEqual(other.items);
    public override bool Equals(object? obj) => obj is IntVector v && Equals(v);
    public override int GetHashCode() => hash;
    public static bool operator ==(IntVector a, IntVector b) => a.Equals(b);
    public static bool operator !=(IntVector a, IntVector b) => !a.Equals(b);
}
