using System.Text;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>
/// Several registers read and written together in transactions of <c>[:read k v]</c> and
/// <c>[:write k v]</c> micro-ops, applied in order (Knossos' <c>multi-register</c>). A nil read is
/// an unknown result and constrains nothing, as in Knossos.
/// </summary>
public sealed class MultiRegisterModel : Model<IntVector, MultiRegisterModel.Txn>
{
    private readonly ValueIds keys = new();
    private readonly ValueIds values = new();
    private readonly List<(int Key, int Value)> initial = [];
    private readonly int nil;

    public MultiRegisterModel(Value? initialValue = null)
    {
        nil = values[Value.Nil];
        foreach (var (k, v) in initialValue?.Entries ?? [])
            initial.Add((keys[k], values[v]));
    }

    public override string Name => "multi-register";

    public override bool PartitionByKey => false;

    /// <summary>Micro-ops as (key, value) pairs; a read has Write = false and Value = -1 when unknown.</summary>
    public readonly record struct MicroOp(bool Write, int Key, int Value);

    public readonly struct Txn(MicroOp[] ops) : IEquatable<Txn>
    {
        public MicroOp[] Ops { get; } = ops;
        public bool Equals(Txn other) => Ops.AsSpan().SequenceEqual(other.Ops);
        public override bool Equals(object? obj) => obj is Txn t && Equals(t);
        public override int GetHashCode() => Ops.Aggregate(17, (h, m) => HashCode.Combine(h, m));
    }

    public override IntVector Init()
    {
        // Keys are known only after Prepare; every key starts nil unless the initial value names it.
        var state = new int[keys.Count];
        Array.Fill(state, nil);
        foreach (var (k, v) in initial) state[k] = v;
        return new IntVector(state);
    }

    public override bool IsReadOnly(in Txn txn) => txn.Ops.All(m => !m.Write);

    public override bool Step(IntVector state, in Txn txn, out IntVector next)
    {
        next = state;
        foreach (var m in txn.Ops)
        {
            if (m.Write) next = next.With(m.Key, m.Value);
            else if (m.Value >= 0 && next[m.Key] != m.Value) return false;
        }
        return true;
    }

    public override Prepared<Txn> Prepare(in OpPair op)
    {
        var (position, invocation, _, completion) = op;
        var outcome = op.Outcome;
        if (invocation.F != "txn")
            throw new CheckerInputException(position, "f", $"the multi-register model knows txn, not '{invocation.F}'");
        if (outcome == OpType.Fail) return Prepared<Txn>.Skip;
        var value = outcome == OpType.Ok ? completion!.Value.Value : invocation.Value;
        if (value.Kind != ValueKind.List)
            throw new CheckerInputException(position, "value", $"a txn is a list of [:read k v] and [:write k v], got {value}");
        var ops = new MicroOp[value.Items.Length];
        for (var i = 0; i < ops.Length; i++)
        {
            var m = value.Items[i];
            if (m.Kind != ValueKind.List || m.Items.Length != 3 || m.Items[0].AsText is not ("read" or "r" or "write" or "w"))
                throw new CheckerInputException(position, "value", $"micro-op {i} should be [:read k v] or [:write k v], got {m}");
            var write = m.Items[0].AsText is "write" or "w";
            var v = m.Items[2];
            ops[i] = new MicroOp(write, keys[m.Items[1]], !write && v.IsNil ? -1 : values[v]);
        }
        return new(outcome == OpType.Ok ? Participation.Completed : Participation.Unknown, new Txn(ops));
    }

    public override string DescribeState(IntVector state)
    {
        var sb = new StringBuilder("{");
        for (var k = 0; k < state.Length; k++)
        {
            if (k > 0) sb.Append(", ");
            sb.Append(keys.ValueOf(k)).Append(' ').Append(values.ValueOf(state[k]));
        }
        return sb.Append('}').ToString();
    }
}
