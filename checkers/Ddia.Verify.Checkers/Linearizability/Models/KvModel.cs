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

    public override string Name => partition ? "kv" : "kv-map";

    public override bool PartitionByKey => partition;

    public enum Kind : byte { Get, Put, Append }

    /// <summary>An op on one key; <see cref="Hash"/> and <see cref="Power"/> let an append update a state's hash in O(|arg|).</summary>
    public readonly record struct KvOp(Kind Kind, int Key, string Arg, ulong Hash, ulong Power);

    /// <summary>
    /// The values of every key (one key when partitioned), compared by content. Each value carries a
    /// polynomial hash that an append extends without reading the old value again; the string itself
    /// is compared only when hashes and lengths agree.
    /// </summary>
    public readonly struct KvState : IEquatable<KvState>
    {
        private readonly string[] values;
        private readonly ulong[] hashes;
        private readonly int hash;

        public KvState(string[] values, ulong[] hashes)
        {
            this.values = values;
            this.hashes = hashes;
            ulong h = 0;
            for (var i = 0; i < hashes.Length; i++) h += (hashes[i] ^ (ulong)i) * 0x9E3779B97F4A7C15UL;
            hash = (int)(h ^ (h >> 32));
        }

        public string this[int key] => values[key];
        public int Count => values.Length;

        public KvState With(int key, string value, ulong valueHash)
        {
            var v = (string[])values.Clone();
            var h = (ulong[])hashes.Clone();
            v[key] = value;
            h[key] = valueHash;
            return new(v, h);
        }

        public KvState Append(int key, in KvOp op) =>
            With(key, values[key] + op.Arg, hashes[key] * op.Power + op.Hash);

        public bool Equals(KvState other)
        {
            if (hash != other.hash || values.Length != other.values.Length) return false;
            for (var i = 0; i < values.Length; i++)
            {
                if (ReferenceEquals(values[i], other.values[i])) continue;
                if (hashes[i] != other.hashes[i] || values[i].Length != other.values[i].Length || values[i] != other.values[i]) return false;
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is KvState s && Equals(s);
        public override int GetHashCode() => hash;
    }

    private const ulong Base = 1_099_511_628_211UL;

    private static (ulong Hash, ulong Power) HashOf(string s)
    {
        ulong h = 0, p = 1;
        foreach (var c in s)
        {
            h = h * Base + c + 1;
            p *= Base;
        }
        return (h, p);
    }

    public override KvState Init()
    {
        var values = new string[partition ? 1 : Math.Max(1, keys.Count)];
        Array.Fill(values, "");
        return new KvState(values, new ulong[values.Length]);
    }

    public override bool Step(KvState state, in KvOp op, out KvState next)
    {
        var key = partition ? 0 : op.Key;
        switch (op.Kind)
        {
            case Kind.Get:
                next = state;
                return state[key] == op.Arg;
            case Kind.Put:
                next = state.With(key, op.Arg, op.Hash);
                return true;
            default:
                next = state.Append(key, op);
                return true;
        }
    }

    public override Prepared<KvOp> Prepare(int position, in Op invocation, Op? completion, OpType outcome)
    {
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
        var (hash, power) = HashOf(text);
        return new(outcome == OpType.Ok ? Participation.Completed : Participation.Unknown, new KvOp(kind, key, text, hash, power));
    }

    public override string DescribeState(KvState state)
    {
        if (partition) return Quote(state[0]);
        return "{" + string.Join(", ", Enumerable.Range(0, state.Count).Select(k => $"{keys.ValueOf(k)} {Quote(state[k])}")) + "}";
    }

    private static string Quote(string s) => Value.Of(s).ToString();
}
