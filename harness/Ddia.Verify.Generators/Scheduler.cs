using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators;

/// <summary>
/// The one place that asks a generator for ops and tells it what happened: it keeps the generator,
/// the context (time, free threads, processes), and checks every answer. It knows nothing of
/// clocks: the caller passes the time, real (the harness's interpreter) or virtual (<see cref="Simulator"/>).
/// Not thread-safe: one caller, one thread, as in Jepsen.
/// <para>
/// The caller's loop: call <see cref="Next"/>; on <see cref="Emit"/>, start the invocation on its
/// process's thread and call again; on <see cref="Pending"/>, wait for a completion or for
/// <see cref="Pending.WakeAt"/>, whichever comes first, passing completions to <see cref="Complete"/>;
/// on <see cref="Exhausted"/>, wait for the ops in flight to complete, and stop.
/// </para>
/// </summary>
public sealed class Scheduler
{
    /// <summary>A run with <paramref name="concurrency"/> client threads and one nemesis thread, starting at time 0.</summary>
    public Scheduler(IGenerator generator, int concurrency, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Generator = generator;
        Context = GenContext.Start(concurrency, seed);
    }

    /// <summary>The generator as of the latest event.</summary>
    public IGenerator Generator { get; private set; }

    /// <summary>The world as of the latest event.</summary>
    public GenContext Context { get; private set; }

    public bool IsExhausted { get; private set; }

    /// <summary>
    /// What to do at <paramref name="now"/> (ns since the start; never earlier than the latest event).
    /// An <see cref="Emit"/> has already been counted as started: its thread is busy and the generator
    /// has been told (use its invocation; the scheduler keeps the generator). A <see cref="Pending"/>
    /// wake-up time is always later than <paramref name="now"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The generator broke its contract.</exception>
    public GenResult Next(long now)
    {
        Advance(now);
        if (IsExhausted) return Exhausted.Instance;
        var result = Generator.Next(Context);
        switch (result)
        {
            case Emit e:
                var thread = CheckInvocation(e.Invocation, now);
                Context = Context.Dispatched(thread);
                Generator = e.Next.Update(Context, e.Invocation);
                break;
            case Pending p:
                if (p.WakeAt <= now) throw Broken($"is pending until {p.WakeAt} ns, which is not later than now ({now} ns)");
                Generator = p.Next;
                break;
            default:
                IsExhausted = true;
                break;
        }
        return result;
    }

    /// <summary>Records that an op in flight completed at <paramref name="completion"/>'s time: frees its thread and tells the generator.</summary>
    public void Complete(Op completion)
    {
        if (completion.Type == OpType.Invoke)
            throw new ArgumentException($"{completion} is an invocation, not a completion", nameof(completion));
        Advance(completion.Time);
        var thread = Context.ThreadOf(completion.Process);
        if (Context.FreeThreads.Contains(thread) || Context.ProcessOf(thread) != completion.Process)
            throw new ArgumentException($"{completion} completes no op in flight", nameof(completion));
        Context = Context.Completed(thread, completion.Type);
        if (!IsExhausted) Generator = Generator.Update(Context, completion);
    }

    private void Advance(long now)
    {
        if (now < Context.Time)
            throw new ArgumentOutOfRangeException(nameof(now), now, $"time went back from {Context.Time} ns");
        Context = Context.At(now);
    }

    private int CheckInvocation(Op op, long now)
    {
        if (op.Type != OpType.Invoke) throw Broken($"emitted {op}, which is not an invocation");
        if (op.Time != now) throw Broken($"emitted {op} for time {op.Time} ns at {now} ns");
        var thread = op.Process == Op.NemesisProcess || op.Process >= 0 ? Context.ThreadOf(op.Process) : int.MinValue;
        if (!Context.FreeThreads.Contains(thread) || Context.ProcessOf(thread) != op.Process)
            throw Broken($"emitted {op}, but process {op.Process} is not a free process (free threads: {Context.FreeThreads})");
        return thread;
    }

    private InvalidOperationException Broken(string what) => new($"The generator {what}. Generator: {Generator.GetType().Name}");
}
