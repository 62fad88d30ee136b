using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability;

/// <summary>How one operation of the history takes part in the search.</summary>
public enum Participation
{
    /// <summary>It cannot affect the verdict (a failed op that did not happen, a read whose result is unknown).</summary>
    Skip,
    /// <summary>It took effect, exactly once, between its invoke and its completion.</summary>
    Completed,
    /// <summary>It may or may not have taken effect, at any time after its invoke (an <c>info</c> op).</summary>
    Unknown,
}

/// <summary>An operation in a model's own compact form, with how it takes part.</summary>
public readonly record struct Prepared<TOp>(Participation Participation, TOp Op)
{
    public static Prepared<TOp> Skip => new(Participation.Skip, default!);
}

/// <summary>
/// A client op as the history recorded it: the invocation and its position, and the completion and
/// its position (null and -1 when it never completed, which counts as Info).
/// </summary>
public readonly record struct OpPair(int Position, Op Invocation, int CompletionPosition, Op? Completion)
{
    public OpType Outcome => Completion?.Type ?? OpType.Info;
}

/// <summary>A model the CLI can name: checks a whole history, whatever its state and op types.</summary>
public abstract class LinearizabilityModel
{
    /// <summary>Name as the CLI spells it (<c>cas-register</c>).</summary>
    public abstract string Name { get; }

    public abstract LinearizabilityResult Check(Ddia.Verify.History.History history, LinearizabilityOptions options, CancellationToken cancellation = default);
}

/// <summary>
/// A sequential specification, as pure functions (porcupine's Model, knossos' step). The search
/// interns states, so <typeparamref name="TState"/> needs value equality (or a
/// <see cref="StateComparer"/>), and <typeparamref name="TOp"/> needs value equality so that
/// identical unknown ops can be treated as interchangeable.
/// </summary>
public abstract class Model<TState, TOp> : LinearizabilityModel
    where TState : notnull
    where TOp : IEquatable<TOp>
{
    public abstract TState Init();

    /// <summary>
    /// Pure: applies <paramref name="op"/> to <paramref name="state"/>; false if the op's observed
    /// result is impossible in that state. Must not mutate <paramref name="state"/>. Called from one
    /// thread per partition, many times per state: keep it cheap.
    /// </summary>
    public abstract bool Step(TState state, in TOp op, out TState next);

    /// <summary>
    /// Reads an invocation and its completion into this model's op, or says to skip it. Called once per
    /// client op, in history order, before any search starts. Throws <see cref="CheckerInputException"/>
    /// for a value of the wrong shape.
    /// </summary>
    public abstract Prepared<TOp> Prepare(in OpPair op);

    /// <summary>
    /// Whether <paramref name="op"/> never changes the state (a read). Step must then return the state
    /// it was given. The search takes such ops as soon as they are possible, without trying others
    /// first. The default is false, which is always safe.
    /// </summary>
    public virtual bool IsReadOnly(in TOp op) => false;

    /// <summary>
    /// Whether some ops of this history could still lead from <paramref name="state"/> to a state in
    /// which the read-only <paramref name="read"/> is possible. The search drops a step whose state
    /// fails this for a read that is still pending, since that read must come later. Must never say
    /// false wrongly; the default, true, is always safe.
    /// </summary>
    /// <remarks>
    /// <paramref name="frontier"/> is the history position of the first completion not yet passed: every
    /// op that completed before it is already linearized.
    /// </remarks>
    public virtual bool CanReach(TState state, in TOp read, int frontier) => true;

    /// <summary>Whether <see cref="CanReach"/> can ever say false, so the search knows whether to ask.</summary>
    public virtual bool ChecksReach => false;

    public virtual IEqualityComparer<TState> StateComparer => EqualityComparer<TState>.Default;

    /// <summary>Whether ops on different keys are independent (P-compositionality, Jepsen's "independent").</summary>
    public virtual bool PartitionByKey => true;

    public virtual string DescribeState(TState state) => state.ToString() ?? "";

    /// <summary>
    /// Optional, for models whose ops are register-like: the legality of every op depends only on
    /// whether the state equals one value (a token), and every op either leaves the state alone or
    /// sets it to one token. Then an unknown op whose token no remaining op can require is useless:
    /// any linearization that uses it stays valid without it, so the search drops it. Null (the
    /// default) turns this off.
    /// </summary>
    public virtual ITokens<TOp>? Tokens => null;

    public override LinearizabilityResult Check(Ddia.Verify.History.History history, LinearizabilityOptions options, CancellationToken cancellation = default) =>
        Linearizability.Check(this, history, options, cancellation);
}

/// <summary>What an op needs the state to be and what it sets the state to, as tokens (see <see cref="Model{TState, TOp}.Tokens"/>).</summary>
public interface ITokens<TOp>
{
    /// <summary>The token the state must equal for the op to be legal, or -1 if any state will do.</summary>
    int Requires(in TOp op);

    /// <summary>The token the state equals after the op, or -1 if the op leaves the state as it was.</summary>
    int Produces(in TOp op);
}
