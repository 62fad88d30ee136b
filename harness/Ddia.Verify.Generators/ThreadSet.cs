using System.Collections;
using System.Globalization;
using System.Numerics;
using Ddia.Verify.History;

namespace Ddia.Verify.Generators;

/// <summary>
/// An immutable set of worker threads: client threads 0..n-1 and the nemesis thread
/// (<see cref="GenContext.NemesisThread"/>, -1). A bitset, so that restricting a context to a group
/// of threads costs a few word operations however often generators ask. Enumerates the nemesis
/// first, then clients in ascending order.
/// </summary>
public readonly struct ThreadSet : IEquatable<ThreadSet>, IEnumerable<int>
{
    // Bit (thread + 1): the nemesis thread is bit 0. Never mutated after construction.
    private readonly ulong[]? words;

    private ThreadSet(ulong[]? words) => this.words = words;

    public static ThreadSet Empty => default;

    /// <summary>Client threads 0..<paramref name="clients"/>-1, plus the nemesis thread when asked.</summary>
    public static ThreadSet Workers(int clients, bool nemesis)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(clients);
        var set = Of(Enumerable.Range(0, clients));
        return nemesis ? set.With(GenContext.NemesisThread) : set;
    }

    public static ThreadSet Of(IEnumerable<int> threads)
    {
        ulong[]? w = null;
        foreach (var t in threads)
        {
            var slot = Slot(t);
            if (w is null || slot >> 6 >= w.Length) Array.Resize(ref w, (slot >> 6) + 1);
            w[slot >> 6] |= 1UL << slot;
        }
        return new(w);
    }

    public int Count
    {
        get
        {
            var n = 0;
            foreach (var w in words ?? []) n += BitOperations.PopCount(w);
            return n;
        }
    }

    public bool IsEmpty => Count == 0;

    public bool Contains(int thread)
    {
        if (thread < GenContext.NemesisThread) return false;
        var slot = thread + 1;
        return words is not null && slot >> 6 < words.Length && (words[slot >> 6] & (1UL << slot)) != 0;
    }

    public ThreadSet Intersect(ThreadSet other)
    {
        if (words is null || other.words is null) return Empty;
        var w = new ulong[Math.Min(words.Length, other.words.Length)];
        for (var i = 0; i < w.Length; i++) w[i] = words[i] & other.words[i];
        return new(w);
    }

    public ThreadSet Where(Func<int, bool> predicate) => Of(this.Where<int>(predicate));

    public ThreadSet With(int thread) => Contains(thread) ? this : Of(this.Append(thread));

    public ThreadSet Without(int thread)
    {
        if (!Contains(thread)) return this;
        var w = (ulong[])words!.Clone();
        var slot = thread + 1;
        w[slot >> 6] &= ~(1UL << slot);
        return new(w);
    }

    /// <summary>
    /// The first thread of this set after <paramref name="thread"/> in enumeration order, wrapping
    /// around to the first; null if the set is empty. Round-robin over free threads is how work is
    /// spread fairly without a random choice (a thread that completes quickly does not win every time).
    /// </summary>
    public int? NextAfter(int thread)
    {
        if (words is null) return null;
        var start = Math.Max(thread + 2, 0);   // the slot after thread's own slot
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = start >> 6; i < words.Length; i++)
            {
                var w = words[i];
                if (i == start >> 6 && (start & 63) != 0) w &= ~0UL << (start & 63);
                if (w != 0) return (i << 6) + BitOperations.TrailingZeroCount(w) - 1;
            }
            start = 0;
        }
        return null;
    }

    public bool Equals(ThreadSet other) => this.SequenceEqual<int>(other);
    public override bool Equals(object? obj) => obj is ThreadSet other && Equals(other);
    public override int GetHashCode() => this.Aggregate(17, (h, t) => h * 31 + t);
    public static bool operator ==(ThreadSet a, ThreadSet b) => a.Equals(b);
    public static bool operator !=(ThreadSet a, ThreadSet b) => !a.Equals(b);

    public IEnumerator<int> GetEnumerator()
    {
        if (words is null) yield break;
        for (var i = 0; i < words.Length; i++)
        {
            for (var w = words[i]; w != 0; w &= w - 1)
                yield return (i << 6) + BitOperations.TrailingZeroCount(w) - 1;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        "{" + string.Join(", ", this.Select(t => t == GenContext.NemesisThread ? "nemesis" : t.ToString(CultureInfo.InvariantCulture))) + "}";

    private static int Slot(int thread)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(thread, Op.NemesisProcess);
        return thread + 1;
    }
}
