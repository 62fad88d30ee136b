using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>A lock: acquire is possible only when free, release only when held (Knossos' <c>mutex</c>).</summary>
public sealed class MutexModel : Model<bool, MutexModel.MutexOp>
{
    public readonly record struct MutexOp(bool Acquire);

    public override string Name => "mutex";

    public override bool Init() => false;

    public override bool Step(bool held, in MutexOp op, out bool next)
    {
        next = op.Acquire;
        return held != op.Acquire;
    }

    public override Prepared<MutexOp> Prepare(in OpPair op)
    {
        var (position, invocation, _, completion) = op;
        var outcome = op.Outcome;
        var acquire = invocation.F switch
        {
            "acquire" => true,
            "release" => false,
            _ => throw new CheckerInputException(position, "f", $"the mutex model knows acquire and release, not '{invocation.F}'"),
        };
        return outcome switch
        {
            OpType.Ok => new(Participation.Completed, new(acquire)),
            OpType.Info => new(Participation.Unknown, new(acquire)),
            _ => Prepared<MutexOp>.Skip,
        };
    }

    public override string DescribeState(bool held) => held ? "held" : "free";
}
