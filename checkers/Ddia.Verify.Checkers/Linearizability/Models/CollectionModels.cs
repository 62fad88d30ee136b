using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>
/// A set of elements with <c>add</c> and <c>read</c> (the read returns every element), as Knossos' set.
/// The state is the sorted ids of the elements present.
/// </summary>
public sealed class SetModel : Model<IntVector, SetModel.SetOp>
{
    private readonly ValueIds elements = new();

    public override string Name => "set";

    public readonly struct SetOp(bool add, int[] elements) : IEquatable<SetOp>
    {
        public bool Add { get; } = add;
        public int[] Elements { get; } = elements;
        public bool Equals(SetOp other) => Add == other.Add && Elements.AsSpan().SequenceEqual(other.Elements);
        public override bool Equals(object? obj) => obj is SetOp o && Equals(o);
        public override int GetHashCode() => Elements.Aggregate(Add ? 1 : 2, HashCode.Combine);
    }

    public override IntVector Init() => IntVector.Empty;

    public override bool IsReadOnly(in SetOp op) => !op.Add;

    public override bool Step(IntVector state, in SetOp op, out IntVector next)
    {
        next = state;
        if (!op.Add) return state.Items.SequenceEqual(op.Elements);
        var e = op.Elements[0];
        var at = state.Items.BinarySearch(e);
        if (at >= 0) return true;
        var items = new int[state.Length + 1];
        state.Items[..~at].CopyTo(items);
        items[~at] = e;
        state.Items[~at..].CopyTo(items.AsSpan(~at + 1));
        next = new IntVector(items);
        return true;
    }

    public override Prepared<SetOp> Prepare(in OpPair op)
    {
        var (position, invocation, _, completion) = op;
        var outcome = op.Outcome;
        switch (invocation.F)
        {
            case "add":
                if (outcome == OpType.Fail) return Prepared<SetOp>.Skip;
                return new(outcome == OpType.Ok ? Participation.Completed : Participation.Unknown, new SetOp(true, [elements[invocation.Value]]));
            case "read":
                if (outcome != OpType.Ok) return Prepared<SetOp>.Skip;
                var read = completion!.Value.Value;
                if (read.Kind is not (ValueKind.List or ValueKind.Set))
                    throw new CheckerInputException(position, "value", $"a set read returns a list or set of elements, got {read}");
                var ids = read.Items.Select(v => elements[v]).Distinct().Order().ToArray();
                return new(Participation.Completed, new SetOp(false, ids));
            default:
                throw new CheckerInputException(position, "f", $"the set model knows add and read, not '{invocation.F}'");
        }
    }

    public override string DescribeState(IntVector state) =>
        "#{" + string.Join(" ", state.Items.ToArray().Select(id => elements.ValueOf(id))) + "}";
}

/// <summary>
/// A queue with <c>enqueue</c> and <c>dequeue</c>. <c>fifo-queue</c> dequeues in order;
/// <c>unordered-queue</c> may dequeue any element present. In a fifo queue a dequeue that returns nil saw
/// it empty, and a dequeue whose outcome is unknown may have taken the head. An unordered queue cannot
/// say which element an unknown dequeue took, so there empty reads and unknown dequeues are not used:
/// weaker, but never a false alarm.
/// </summary>
public sealed class QueueModel(bool fifo) : Model<IntVector, QueueModel.QueueOp>
{
    private readonly ValueIds elements = new();

    public override string Name => fifo ? "fifo-queue" : "unordered-queue";

    /// <summary>An enqueue or dequeue of an element id; a dequeue of -1 saw the queue empty, of -2 took the head unseen.</summary>
    public readonly record struct QueueOp(bool Enqueue, int Element);

    public override IntVector Init() => IntVector.Empty;

    public override bool IsReadOnly(in QueueOp op) => op.Element == -1;

    public override bool Step(IntVector state, in QueueOp op, out IntVector next)
    {
        next = state;
        if (op.Enqueue)
        {
            var items = new int[state.Length + 1];
            state.Items.CopyTo(items);
            items[^1] = op.Element;
            if (!fifo) Array.Sort(items);   // a multiset: order carries no meaning, so keep one canonical order
            next = new IntVector(items);
            return true;
        }
        if (op.Element == -1) return state.Length == 0;
        if (op.Element == -2)
        {
            if (state.Length == 0) return false;
            next = new IntVector(state.Items[1..].ToArray());
            return true;
        }
        var at = fifo ? (state.Length > 0 && state[0] == op.Element ? 0 : -1) : state.Items.IndexOf(op.Element);
        if (at < 0) return false;
        var rest = new int[state.Length - 1];
        state.Items[..at].CopyTo(rest);
        state.Items[(at + 1)..].CopyTo(rest.AsSpan(at));
        next = new IntVector(rest);
        return true;
    }

    public override Prepared<QueueOp> Prepare(in OpPair op)
    {
        var (position, invocation, _, completion) = op;
        var outcome = op.Outcome;
        switch (invocation.F)
        {
            case "enqueue":
                if (outcome == OpType.Fail) return Prepared<QueueOp>.Skip;
                return new(outcome == OpType.Ok ? Participation.Completed : Participation.Unknown, new QueueOp(true, elements[invocation.Value]));
            case "dequeue":
                if (outcome == OpType.Fail) return Prepared<QueueOp>.Skip;
                if (outcome == OpType.Info)
                    return fifo ? new(Participation.Unknown, new QueueOp(false, -2)) : Prepared<QueueOp>.Skip;
                var v = completion!.Value.Value;
                if (v.IsNil && !fifo) return Prepared<QueueOp>.Skip;
                return new(Participation.Completed, new QueueOp(false, v.IsNil ? -1 : elements[v]));
            default:
                throw new CheckerInputException(position, "f", $"the {Name} model knows enqueue and dequeue, not '{invocation.F}'");
        }
    }

    public override string DescribeState(IntVector state) =>
        "[" + string.Join(" ", state.Items.ToArray().Select(id => elements.ValueOf(id))) + "]";
}
