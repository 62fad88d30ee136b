namespace Ddia.Verify.Generators;

/// <summary>
/// A small seeded random source (SplitMix64). Our own algorithm rather than <see cref="System.Random"/>,
/// so that a seed printed today replays the same ops on any later .NET.
/// <para>
/// Mutable, and meant to live for one call only: a generator keeps the <see cref="State"/> (a
/// <c>ulong</c>) in its immutable value, makes a <see cref="GenRandom"/> from it when it needs
/// numbers, and stores the new <see cref="State"/> in the generator it returns. Asking the same
/// generator value twice therefore gives the same answer twice.
/// </para>
/// </summary>
public sealed class GenRandom(ulong state)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    /// <summary>Everything this source will produce next is a function of this number.</summary>
    public ulong State { get; private set; } = state;

    public ulong NextUInt64()
    {
        State += Gamma;
        return Mix(State);
    }

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public long NextInt64(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        // Lemire's multiply-shift: the high word of x * bound is uniform once the low word clears the threshold.
        var high = Math.BigMul(NextUInt64(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0 - bound) % bound;
            while (low < threshold) high = Math.BigMul(NextUInt64(), bound, out low);
        }
        return (long)high;
    }

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => (int)NextInt64(maxExclusive);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// The seed of the <paramref name="index"/>-th child of <paramref name="seed"/>: how one seed
    /// becomes independent streams for every place in a generator tree (<see cref="GenContext.Child"/>).
    /// </summary>
    public static ulong Derive(ulong seed, long index) => Mix(Mix(seed) + ((ulong)index + 1) * 0xD1B54A32D192ED03);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
