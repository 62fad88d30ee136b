using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>
/// A single register with read, write and (for <c>cas-register</c>) compare-and-set <c>[from to]</c>,
/// as Knossos' <c>cas-register</c> and Porcupine's etcd model. How a nil read and a failed cas are
/// meant depends on the history's source (<see cref="SourceConventions"/>): under Knossos a nil read
/// is an unknown result; under Porcupine a failed cas observed a state other than <c>from</c>.
/// </summary>
public sealed class RegisterModel : Model<int, RegisterModel.RegisterOp>, ITokens<RegisterModel.RegisterOp>
{
    private readonly ValueIds values = new();
    private readonly int initial;
    private readonly bool allowCas;
    private readonly SourceConventions conventions;

    public RegisterModel(Value? initialValue = null, bool allowCas = true, SourceConventions? conventions = null)
    {
        initial = values[initialValue ?? Value.Nil];
        this.allowCas = allowCas;
        this.conventions = conventions ?? SourceConventions.Native;
    }

    public override string Name => allowCas ? "cas-register" : "register";

    public enum Kind : byte { Read, Write, Cas, CasFailed }

    public readonly record struct RegisterOp(Kind Kind, int A, int B);

    public override int Init() => initial;

    public override bool IsReadOnly(in RegisterOp op) => op.Kind is Kind.Read or Kind.CasFailed;

    public override bool Step(int state, in RegisterOp op, out int next)
    {
        next = state;
        switch (op.Kind)
        {
            case Kind.Read: return state == op.A;
            case Kind.Write: next = op.A; return true;
            case Kind.Cas:
                if (state != op.A) return false;
                next = op.B;
                return true;
            default: return state != op.A;   // a cas whose compare failed saw another value
        }
    }

    public override Prepared<RegisterOp> Prepare(in OpPair op)
    {
        var (position, invocation, _, completion) = op;
        var outcome = op.Outcome;
        switch (invocation.F)
        {
            case "read":
                if (outcome != OpType.Ok) return Prepared<RegisterOp>.Skip;   // a read that did not complete changes nothing
                var read = completion!.Value.Value;
                if (read.IsNil && conventions.NilRead == NilRead.Unknown) return Prepared<RegisterOp>.Skip;
                return new(Participation.Completed, new(Kind.Read, values[read], 0));
            case "write":
                var written = invocation.Value.IsNil && completion is { } c ? c.Value : invocation.Value;
                return outcome switch
                {
                    OpType.Ok => new(Participation.Completed, new(Kind.Write, values[written], 0)),
                    OpType.Info => new(Participation.Unknown, new(Kind.Write, values[written], 0)),
                    _ => Prepared<RegisterOp>.Skip,
                };
            case "cas" when allowCas:
                var pair = invocation.Value;
                if (pair.Kind != ValueKind.List || pair.Items.Length != 2)
                    throw new CheckerInputException(position, "value", $"a cas takes [from to], got {pair}");
                var (from, to) = (values[pair.Items[0]], values[pair.Items[1]]);
                return outcome switch
                {
                    OpType.Ok => new(Participation.Completed, new(Kind.Cas, from, to)),
                    OpType.Info => new(Participation.Unknown, new(Kind.Cas, from, to)),
                    _ when conventions.FailedCas == FailedCas.CompareFailed => new(Participation.Completed, new(Kind.CasFailed, from, to)),
                    _ => Prepared<RegisterOp>.Skip,
                };
            default:
                throw new CheckerInputException(position, "f",
                    $"the {Name} model knows {(allowCas ? "read, write and cas" : "read and write")}, not '{invocation.F}'");
        }
    }

    public override string DescribeState(int state) => values.ValueOf(state).ToString();

    /// <summary>
    /// Reads and cas need the register to hold one value; writes and cas set it. A cas whose compare
    /// failed (Porcupine's convention) needs the register NOT to hold a value, which tokens cannot
    /// say, so such histories go without this pruning.
    /// </summary>
    public override ITokens<RegisterOp>? Tokens => conventions.FailedCas == FailedCas.CompareFailed ? null : this;

    public int Requires(in RegisterOp op) => op.Kind is Kind.Read or Kind.Cas ? op.A : -1;

    public int Produces(in RegisterOp op) => op.Kind switch
    {
        Kind.Write => op.A,
        Kind.Cas => op.B,
        _ => -1,
    };
}
