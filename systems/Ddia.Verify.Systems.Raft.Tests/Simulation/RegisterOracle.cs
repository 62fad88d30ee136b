namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>
/// A small brute-force linearizability check for one register (Wing–Gong–Lowe depth-first search with a memo of
/// (linearized set, value)), written here because a system under test must not reference the project's checkers.
/// Histories come from <see cref="RegisterWorkload"/>: fail ops are dropped, info reads too (they constrain
/// nothing), info writes and cas may take effect at any time after their invoke, or never.
/// </summary>
internal static class RegisterOracle
{
    private const int Budget = 2_000_000;

    /// <summary>Checks every key separately (a register per key is independent); returns the first key that has no
    /// linearization, with its ops, or null when all have one.</summary>
    public static string? FindViolation(IEnumerable<ClientOp> history)
    {
        foreach (var group in history.GroupBy(o => o.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (!IsLinearizable([.. group]))
            {
                var ops = group.Where(o => o.Outcome != OpOutcome.Fail).OrderBy(o => o.Invoke);
                return $"key {group.Key} is not linearizable:\n  " + string.Join("\n  ", ops);
            }
        }
        return null;
    }

    public static bool IsLinearizable(IReadOnlyList<ClientOp> history)
    {
        var ops = history
            .Where(o => o.Outcome == OpOutcome.Ok || (o.Outcome is OpOutcome.Info or OpOutcome.Pending && o.Kind != OpKind.Read))
            .OrderBy(o => o.Invoke)
            .ToArray();
        var ends = ops.Select(o => o.Outcome == OpOutcome.Ok ? o.Complete!.Value : long.MaxValue).ToArray();
        var required = ops.Count(o => o.Outcome == OpOutcome.Ok);
        var memo = new HashSet<(Bits, string?)>();
        return Search(new Bits(ops.Length), null, 0);

        bool Search(Bits done, string? value, int requiredDone)
        {
            if (requiredDone == required) return true;
            // Only an op invoked before every pending op's completion can come next (real-time order).
            var horizon = long.MaxValue;
            for (var i = 0; i < ops.Length; i++)
                if (!done[i]) horizon = Math.Min(horizon, ends[i]);
            for (var i = 0; i < ops.Length && ops[i].Invoke <= horizon; i++)
            {
                if (done[i] || !Step(ops[i], value, out var next)) continue;
                var after = done.With(i);
                if (!memo.Add((after, next))) continue;
                if (memo.Count > Budget) throw new InvalidOperationException("the oracle's search budget ran out");
                if (Search(after, next, requiredDone + (ops[i].Outcome == OpOutcome.Ok ? 1 : 0))) return true;
            }
            return false;
        }
    }

    private static bool Step(ClientOp op, string? value, out string? next)
    {
        next = value;
        switch (op.Kind)
        {
            case OpKind.Read:
                return string.Equals(op.Value, value, StringComparison.Ordinal);
            case OpKind.Write:
                next = op.Value;
                return true;
            default:
                var matches = string.Equals(op.From, value, StringComparison.Ordinal);
                // An info cas either swapped or never ran; only a completed one can have failed its comparison.
                if (op.Outcome != OpOutcome.Ok || op.Swapped)
                {
                    if (!matches) return false;
                    next = op.Value;
                    return true;
                }
                return !matches;
        }
    }

    /// <summary>An immutable bit set with value equality, for the memo.</summary>
    private readonly struct Bits : IEquatable<Bits>
    {
        private readonly ulong[] words;

        public Bits(int count) => words = new ulong[(count + 63) / 64];

        private Bits(ulong[] words) => this.words = words;

        public bool this[int i] => (words[i >> 6] & (1UL << (i & 63))) != 0;

        public Bits With(int i)
        {
            var copy = (ulong[])words.Clone();
            copy[i >> 6] |= 1UL << (i & 63);
            return new Bits(copy);
        }

        public bool Equals(Bits other) => words.AsSpan().SequenceEqual(other.words);

        public override bool Equals(object? obj) => obj is Bits other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var w in words) hash.Add(w);
            return hash.ToHashCode();
        }
    }
}
