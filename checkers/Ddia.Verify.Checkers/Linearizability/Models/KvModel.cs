using System.Text;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>
/// A key-value store of strings with get, put and append (Porcupine's kv model). Each key starts
/// as "" and a nil read means "". With <c>partition</c> (the default) each key is checked on its
/// own; without it the state is the whole map, as Porcupine's <c>kvNoPartitionModel</c>.
/// </summary>
public sealed class KvModel(bool partition = true) : Model<KvModel.KvState, KvModel.KvOp>
{
    private readonly ValueIds keys = new();
    private readonly Dictionary<int, List<(Text Value, int Return)>> putsByKey = [];
    private readonly List<int> lastPutReturn = [];   // per get: see CanReach; -2 until computed

    public override string Name => partition ? "kv" : "kv-map";

    public override bool PartitionByKey => partition;

    public enum Kind : byte { Get, Put, Append }

    /// <summary>
    /// An op on one key, with its argument (or, for a get, the value read) as <see cref="Text"/>. A get
    /// also carries the hash of every prefix of what it read, for <see cref="CanReach"/>.
    /// </summary>
    public readonly record struct KvOp(Kind Kind, int Key, Text Arg, ulong[]? PrefixHashes = null, int Get = -1);

    /// <summary>
    /// A string known by its polynomial hash and length, kept as the chain of pieces that built it.
    /// An append adds one link instead of copying the string, so a step costs O(1) whatever the
    /// value's length; the characters are read only to confirm a match of hash and length.
    /// </summary>
    public sealed class Text : IEquatable<Text>
    {
        private const ulong Base = 1_099_511_628_211UL;
        public static readonly Text Empty = new(null, "", 0, 1, 0);

        private readonly Text? prefix;
        private readonly string piece;

        private Text(Text? prefix, string piece, ulong hash, ulong power, int length)
        {
            this.prefix = prefix;
            this.piece = piece;
            Hash = hash;
            Power = power;
            Length = length;
        }

        public ulong Hash { get; }
        /// <summary>Base to the power of <see cref="Length"/>, to extend hashes by this text.</summary>
        public ulong Power { get; }
        public int Length { get; }

        /// <summary>The hash of each prefix of <paramref name="s"/>: element L is the hash of its first L characters.</summary>
        public static ulong[] PrefixHashes(string s)
        {
            var hashes = new ulong[s.Length + 1];
            for (var i = 0; i < s.Length; i++) hashes[i + 1] = hashes[i] * Base + s[i] + 1u;
            return hashes;
        }

        public static Text Of(string s)
        {
            ulong h = 0, p = 1;
            foreach (var c in s)
            {
                h = h * Base + c + 1u;
                p *= Base;
            }
            return s.Length == 0 ? Empty : new Text(null, s, h, p, s.Length);
        }

        public Text Append(Text tail) => tail.Length == 0 ? this : Length == 0 ? tail
            : new Text(this, tail.ToString(), Hash * tail.Power + tail.Hash, Power * tail.Power, Length + tail.Length);

        public bool Equals(Text? other)
        {
            // Texts built the same way share their structure: walk both chains link by link, and read
            // characters only where the pieces were cut differently.
            var a = this;
            var b = other;
            while (true)
            {
                if (ReferenceEquals(a, b)) return true;
                if (b is null || a.Hash != b.Hash || a.Length != b.Length) return false;
                if (a.prefix is null) return b.EndsWith(a.piece.AsSpan());
                if (b.prefix is null) return a.EndsWith(b.piece.AsSpan());
                if (a.piece.Length != b.piece.Length || a.piece != b.piece) return a.ToString() == b.ToString();
                a = a.prefix;
                b = b.prefix;
            }
        }

        /// <summary>Whether this text equals <paramref name="flat"/>, read without building the string.</summary>
        private bool EndsWith(ReadOnlySpan<char> flat)
        {
            var end = flat.Length;
            for (var t = this; t is not null; t = t.prefix)
            {
                end -= t.piece.Length;
                if (end < 0 || !flat.Slice(end, t.piece.Length).SequenceEqual(t.piece)) return false;
            }
            return end == 0;
        }

        public override bool Equals(object? obj) => obj is Text t && Equals(t);
        public override int GetHashCode() => (int)(Hash ^ (Hash >> 32));

        public override string ToString()
        {
            if (prefix is null) return piece;
            var pieces = new Stack<string>();
            for (var t = this; t is not null; t = t.prefix) pieces.Push(t.piece);
            var sb = new StringBuilder(Length);
            while (pieces.Count > 0) sb.Append(pieces.Pop());
            return sb.ToString();
        }
    }

    /// <summary>
    /// The values of every key, compared by content: one text when partitioned (no array to allocate
    /// per step), else one per key.
    /// </summary>
    public readonly struct KvState : IEquatable<KvState>
    {
        private readonly Text? one;
        private readonly Text[]? many;
        private readonly int hash;

        public KvState(Text one)
        {
            this.one = one;
            hash = one.GetHashCode();
        }

        public KvState(Text[] many)
        {
            this.many = many;
            ulong h = 0;
            for (var i = 0; i < many.Length; i++) h += (many[i].Hash ^ (ulong)i) * 0x9E3779B97F4A7C15UL;
            hash = (int)(h ^ (h >> 32));
        }

        public Text this[int key] => one ?? many![key];
        public int Count => many?.Length ?? 1;

        public KvState With(int key, Text value)
        {
            if (many is null) return new KvState(value);
            var copy = new Text[many.Length];
            many.CopyTo(copy, 0);
            copy[key] = value;
            return new(copy);
        }

        public bool Equals(KvState other)
        {
            if (hash != other.hash) return false;
            if (one is not null) return one.Equals(other.one);
            if (other.many is null || many!.Length != other.many.Length) return false;
            for (var i = 0; i < many.Length; i++)
                if (!many[i].Equals(other.many[i])) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is KvState s && Equals(s);
        public override int GetHashCode() => hash;
    }

    public override KvState Init()
    {
        if (partition) return new KvState(Text.Empty);
        var values = new Text[Math.Max(1, keys.Count)];
        Array.Fill(values, Text.Empty);
        return new KvState(values);
    }

    public override bool IsReadOnly(in KvOp op) => op.Kind == Kind.Get;

    /// <summary>
    /// Appends only make a value longer, and a put starts it again from the put's value: so a later get
    /// reads either the value now or the value of a put still to come, followed by appends. Puts that
    /// completed before <paramref name="frontier"/> are behind us. Prefixes are compared by hash, so a
    /// "no" is always right (equal strings have equal hashes); a collision only costs pruning.
    /// </summary>
    public override bool CanReach(KvState state, in KvOp read, int frontier)
    {
        var now = state[partition ? 0 : read.Key];
        if (now.Length <= read.Arg.Length && now.Hash == read.PrefixHashes![now.Length]) return true;
        var last = lastPutReturn[read.Get];
        if (last == -2)
        {
            // The latest completion among the puts whose value this get could have started from.
            last = -1;
            if (putsByKey.TryGetValue(read.Key, out var puts))
                foreach (var (value, ret) in puts)
                    if (value.Length <= read.Arg.Length && value.Hash == read.PrefixHashes![value.Length]) last = Math.Max(last, ret);
            lastPutReturn[read.Get] = last;   // a benign race: every thread computes the same answer
        }
        return last >= frontier;
    }

    public override bool ChecksReach => true;

    public override bool Step(KvState state, in KvOp op, out KvState next)
    {
        var key = partition ? 0 : op.Key;
        switch (op.Kind)
        {
            case Kind.Get:
                next = state;
                return state[key].Equals(op.Arg);
            case Kind.Put:
                next = state.With(key, op.Arg);
                return true;
            default:
                next = state.With(key, state[key].Append(op.Arg));
                return true;
        }
    }

    public override Prepared<KvOp> Prepare(in OpPair op)
    {
        var (position, invocation, _, completion) = op;
        var outcome = op.Outcome;
        var key = invocation.Key is { } k ? keys[k] : throw new CheckerInputException(position, "key", "missing: kv ops name a key");
        var kind = invocation.F switch
        {
            "get" or "read" => Kind.Get,
            "put" or "write" => Kind.Put,
            "append" => Kind.Append,
            _ => throw new CheckerInputException(position, "f", $"the kv model knows get, put and append, not '{invocation.F}'"),
        };
        if (outcome == OpType.Fail || (kind == Kind.Get && outcome != OpType.Ok)) return Prepared<KvOp>.Skip;
        var value = kind == Kind.Get ? completion!.Value.Value : invocation.Value;
        var text = value.IsNil ? "" : value.AsText ?? throw new CheckerInputException(position, "value", $"kv values are strings, got {value}");
        var arg = Text.Of(text);
        if (kind == Kind.Put)
        {
            if (!putsByKey.TryGetValue(key, out var puts)) putsByKey[key] = puts = [];
            puts.Add((arg, outcome == OpType.Ok ? op.CompletionPosition : int.MaxValue));
        }
        if (kind != Kind.Get) return new(outcome == OpType.Ok ? Participation.Completed : Participation.Unknown, new KvOp(kind, key, arg));
        lastPutReturn.Add(-2);
        return new(Participation.Completed, new KvOp(kind, key, arg, Text.PrefixHashes(text), lastPutReturn.Count - 1));
    }

    public override string DescribeState(KvState state)
    {
        if (partition) return Quote(state[0]);
        return "{" + string.Join(", ", Enumerable.Range(0, state.Count).Select(k => $"{keys.ValueOf(k)} {Quote(state[k])}")) + "}";
    }

    private static string Quote(Text s) => Value.Of(s.ToString()).ToString();
}
