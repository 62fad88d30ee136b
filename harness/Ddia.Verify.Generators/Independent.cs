using System.Collections.Immutable;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators;

/// <summary>Generators over many independent keys (Jepsen's <c>jepsen.independent</c>).</summary>
public static class Independent
{
    /// <summary>
    /// Jepsen's concurrent generator. The client threads, in order, are cut into groups of
    /// <paramref name="threadsPerKey"/>; each group works on one key at a time, with the generator
    /// <paramref name="generatorFor"/>(key) restricted to the group's threads, and takes the next key
    /// from <paramref name="keys"/> when that generator is exhausted. Every op emitted carries its
    /// <see cref="Op.Key"/>. Exhausted when the keys are used up and every group is done.
    /// <para>
    /// A key is only ever touched by one group's threads. As in Jepsen, a group moves to its next key
    /// without waiting for ops of the previous key still in flight; their completions are not passed
    /// to the new key's generator. <paramref name="keys"/> is read lazily and may be endless;
    /// <paramref name="generatorFor"/> must be pure (it may be called more than once for a key). The
    /// nemesis thread never runs these ops. The number of client threads must be a multiple of
    /// <paramref name="threadsPerKey"/>, or the first <see cref="IGenerator.Next"/> throws.
    /// </para>
    /// </summary>
    public static IGenerator Concurrent(int threadsPerKey, IEnumerable<Value> keys, Func<Value, IGenerator> generatorFor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threadsPerKey);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(generatorFor);
        return new ConcurrentKeys(threadsPerKey, new KeyStream(keys), generatorFor);
    }

    /// <summary>One group's current key: its ordinal in the key sequence is its seed's child index.</summary>
    private sealed record Lane(Value Key, long Ordinal, IGenerator Gen);

    private sealed record ConcurrentKeys(
        int PerKey,
        KeyStream Keys,
        Func<Value, IGenerator> For,
        ImmutableArray<ThreadSet> Groups = default,
        ImmutableArray<Lane?> Lanes = default,
        long NextKey = 0,
        int Turn = 0) : IGenerator
    {
        public GenResult Next(GenContext ctx)
        {
            var self = Groups.IsDefault ? Start(ctx) : this;
            var lanes = self.Lanes.ToBuilder();
            var nextKey = self.NextKey;
            long? wake = null;
            for (var k = 0; k < lanes.Count; k++)
            {
                var g = (self.Turn + k) % lanes.Count;
                while (lanes[g] is { } lane)
                {
                    var result = lane.Gen.Next(ctx.Restrict(self.Groups[g]).Child(lane.Ordinal));
                    if (result is Emit e)
                    {
                        lanes[g] = lane with { Gen = e.Next };
                        var next = self with { Lanes = lanes.ToImmutable(), NextKey = nextKey, Turn = (g + 1) % lanes.Count };
                        return new Emit(e.Invocation with { Key = lane.Key }, next);
                    }
                    if (result is Pending p)
                    {
                        lanes[g] = lane with { Gen = p.Next };
                        wake = Earliest(wake, p.WakeAt);
                        break;
                    }
                    lanes[g] = Take(ref nextKey);
                }
            }
            return lanes.Any(l => l is not null)
                ? new Pending(self with { Lanes = lanes.ToImmutable(), NextKey = nextKey }, wake)
                : Exhausted.Instance;
        }

        public IGenerator Update(GenContext ctx, Op evt)
        {
            if (Groups.IsDefault || evt.Process == Op.NemesisProcess) return this;
            var thread = ctx.ThreadOf(evt.Process);
            for (var g = 0; g < Groups.Length; g++)
            {
                if (!Groups[g].Contains(thread)) continue;
                if (Lanes[g] is not { } lane || lane.Key != evt.Key) return this;   // an op of the group's previous key
                var gen = lane.Gen.Update(ctx.Restrict(Groups[g]).Child(lane.Ordinal), evt);
                return this with { Lanes = Lanes.SetItem(g, lane with { Gen = gen }) };
            }
            return this;
        }

        private ConcurrentKeys Start(GenContext ctx)
        {
            var clients = ctx.AllThreads.Where(t => t != GenContext.NemesisThread).ToArray();
            if (clients.Length == 0 || clients.Length % PerKey != 0)
            {
                throw new InvalidOperationException(
                    $"Independent.Concurrent: {clients.Length} client threads cannot be split into groups of {PerKey} threads per key; " +
                    $"use a concurrency that is a multiple of {PerKey}.");
            }
            var groups = clients.Chunk(PerKey).Select(ThreadSet.Of).ToImmutableArray();
            var lanes = ImmutableArray.CreateBuilder<Lane?>(groups.Length);
            var nextKey = 0L;
            foreach (var _ in groups) lanes.Add(Take(ref nextKey));
            return this with { Groups = groups, Lanes = lanes.MoveToImmutable(), NextKey = nextKey };
        }

        private Lane? Take(ref long nextKey)
        {
            if (Keys.At(nextKey) is not { } key) return null;
            return new Lane(key, nextKey++, For(key));
        }
    }

    /// <summary>
    /// The keys, read from the caller's sequence on demand and remembered, so that every generator
    /// value sharing this stream sees the same key at the same position (which keeps them pure).
    /// </summary>
    private sealed class KeyStream(IEnumerable<Value> keys)
    {
        private readonly List<Value> read = [];
        private readonly Lock gate = new();
        private IEnumerator<Value>? source;
        private bool ended;

        public Value? At(long position)
        {
            lock (gate)
            {
                while (read.Count <= position && !ended)
                {
                    source ??= keys.GetEnumerator();
                    if (source.MoveNext())
                    {
                        read.Add(source.Current);
                    }
                    else
                    {
                        ended = true;
                        source.Dispose();
                    }
                }
                return position < read.Count ? read[(int)position] : null;
            }
        }
    }
}
