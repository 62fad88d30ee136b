using Ddia.Verify.History;

namespace Ddia.Verify.Generators;

/// <summary>
/// A pure description of ops over time (Jepsen's <c>Generator</c> protocol, STYLE.md G9). A generator
/// is an immutable value: asking it does not change it, and every answer carries the generator
/// that follows. One scheduler asks, on one thread, so implementations need no locks.
/// <para>
/// Build generators with <see cref="Gen"/> and <see cref="Independent"/>; implement this interface
/// only for behaviour they cannot express. An implementation must give the same answer to the
/// same context, draw randomness only from <see cref="GenContext.NewRandom"/> or a state it carries,
/// never read a clock, and pass <see cref="GenContext.Child"/>(i) to its i-th child in both methods.
/// </para>
/// </summary>
public interface IGenerator
{
    /// <summary>
    /// The next invocation, if one should start at <see cref="GenContext.Time"/> on a free thread of
    /// <paramref name="ctx"/>; otherwise when to ask again, or that there will be no more. Called
    /// whenever the scheduler may start an op: after every event and at every wake-up time.
    /// </summary>
    GenResult Next(GenContext ctx);

    /// <summary>
    /// Tells the generator that <paramref name="evt"/> happened: an invocation it emitted has started,
    /// or an op has completed. <paramref name="ctx"/> is the world just after the event (the thread is
    /// busy after an invocation, free after a completion). Most generators pass it on and return themselves.
    /// </summary>
    IGenerator Update(GenContext ctx, Op evt);
}

/// <summary>The three answers of <see cref="IGenerator.Next"/>.</summary>
public abstract record GenResult
{
    private GenResult() { }

    /// <summary>Start <paramref name="Invocation"/> now (its Time, Process, F and Value are set; Index is the recorder's).</summary>
    public sealed record Emit(Op Invocation, IGenerator Next) : GenResult;

    /// <summary>
    /// Nothing to start yet. Ask <paramref name="Next"/> again after the next completion, or at
    /// <paramref name="WakeAt"/> (ns, later than now) if that comes first; null: only after a completion.
    /// <paramref name="Next"/> replaces the generator (it may hold state the generator started to keep, such as when a sleep began).
    /// </summary>
    public sealed record Pending(IGenerator Next, long? WakeAt = null) : GenResult;

    /// <summary>There will never be another op, whatever happens.</summary>
    public sealed record Exhausted : GenResult
    {
        private Exhausted() { }
        public static Exhausted Instance { get; } = new();
    }

    /// <summary>The earlier of two wake-up times, where null means "no time: after a completion".</summary>
    public static long? Earliest(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
