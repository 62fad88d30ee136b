using System.Collections.Immutable;
using Ddia.Verify.History;

namespace Ddia.Verify.Generators;

/// <summary>
/// What a generator may know when it is asked for an op or told of an event: the time, which
/// worker threads exist and which are free, the process each thread currently runs as, and a seed.
/// Immutable: the scheduler makes a new context for every event, and combinators hand their
/// children narrowed copies (<see cref="Restrict"/>, <see cref="Child"/>).
/// <para>
/// <b>Threads and processes</b> (Jepsen's model, DESIGN.md §2). Client threads are 0..<see cref="Concurrency"/>-1
/// and the nemesis thread is <see cref="NemesisThread"/>. Client thread <c>t</c> starts as process
/// <c>t</c>; when an op of its ends <see cref="OpType.Info"/> the process is abandoned (it may still be
/// running) and the thread continues as process + <see cref="Concurrency"/>. The nemesis is always
/// process <see cref="Op.NemesisProcess"/>.
/// </para>
/// <para>
/// <b>Seeds.</b> <see cref="Seed"/> is the run's seed at the root and a derived seed below it: every
/// combinator gives its i-th child <see cref="Child"/>(i), so each place in the generator tree has its
/// own random stream, fixed by the root seed and that place alone. Generators draw numbers only
/// when they emit, from a state they carry, so the sequence of ops a generator emits (their f,
/// value and key, in order) depends on the seed only, not on timing. Printing the seed of a run
/// is therefore enough to reproduce its op sequence; in virtual time (<see cref="Simulator"/>) the
/// whole history is reproduced.
/// </para>
/// </summary>
public sealed class GenContext
{
    /// <summary>The nemesis worker's thread id; it is also its process id.</summary>
    public const int NemesisThread = Op.NemesisProcess;

    private readonly ImmutableArray<int> processes;   // by client thread
    private readonly int lastDispatched;              // thread that got the latest op: round-robin cursor

    private GenContext(long time, ulong seed, int concurrency, ThreadSet all, ThreadSet free,
                       ImmutableArray<int> processes, int lastDispatched)
    {
        Time = time;
        Seed = seed;
        Concurrency = concurrency;
        AllThreads = all;
        FreeThreads = free;
        this.processes = processes;
        this.lastDispatched = lastDispatched;
    }

    /// <summary>
    /// The context at the start of a run: time 0, <paramref name="concurrency"/> client threads and
    /// the nemesis thread, all free, each client thread running as the process of its own number.
    /// </summary>
    public static GenContext Start(int concurrency, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrency);
        var all = ThreadSet.Workers(concurrency, nemesis: true);
        return new(0, seed, concurrency, all, all, [.. Enumerable.Range(0, concurrency)], NemesisThread - 1);
    }

    /// <summary>Nanoseconds since the test started.</summary>
    public long Time { get; }

    /// <summary>The seed of this place in the generator tree (see the class remarks).</summary>
    public ulong Seed { get; }

    /// <summary>The number of client threads of the test; restricting a context does not change it.</summary>
    public int Concurrency { get; }

    /// <summary>The threads that may run this generator's ops (all of them, unless a combinator restricted it).</summary>
    public ThreadSet AllThreads { get; }

    /// <summary>Those of <see cref="AllThreads"/> with no op in flight.</summary>
    public ThreadSet FreeThreads { get; }

    /// <summary>True when no thread of <see cref="AllThreads"/> has an op in flight: the barrier of <see cref="Gen.Phases"/>.</summary>
    public bool AllFree => FreeThreads.Count == AllThreads.Count;

    public int ProcessOf(int thread) =>
        thread == NemesisThread ? Op.NemesisProcess
        : (uint)thread < (uint)Concurrency ? processes[thread]
        : throw new ArgumentOutOfRangeException(nameof(thread), thread, $"no such thread; clients are 0..{Concurrency - 1}");

    /// <summary>The thread that runs (or ran) <paramref name="process"/>.</summary>
    public int ThreadOf(int process) =>
        process == Op.NemesisProcess ? NemesisThread
        : process >= 0 ? process % Concurrency
        : throw new ArgumentOutOfRangeException(nameof(process), process, "not a client or nemesis process");

    /// <summary>
    /// The free thread that should get the next op, or null if none is free: round-robin after the
    /// thread that got the previous op, so that every free thread gets its turn.
    /// </summary>
    public int? NextFreeThread() => FreeThreads.NextAfter(lastDispatched);

    /// <summary>A new random source seeded for this place in the tree (see the class remarks).</summary>
    public GenRandom NewRandom() => new(Seed);

    /// <summary>This context seen by a generator that may use only <paramref name="threads"/>.</summary>
    public GenContext Restrict(ThreadSet threads) =>
        new(Time, Seed, Concurrency, AllThreads.Intersect(threads), FreeThreads.Intersect(threads), processes, lastDispatched);

    /// <summary>The context for the <paramref name="index"/>-th child of a combinator: the same world, a derived seed.</summary>
    public GenContext Child(long index) =>
        new(Time, GenRandom.Derive(Seed, index), Concurrency, AllThreads, FreeThreads, processes, lastDispatched);

    /// <summary>The op <paramref name="template"/> invoked now by the next free thread; null when no thread is free.</summary>
    public Op? Invoke(OpTemplate template)
    {
        if (NextFreeThread() is not { } thread) return null;
        return new Op(-1, Time, OpType.Invoke, ProcessOf(thread), template.F, template.Value ?? Value.Nil, template.Key);
    }

    internal GenContext At(long time) =>
        time == Time ? this : new(time, Seed, Concurrency, AllThreads, FreeThreads, processes, lastDispatched);

    internal GenContext Dispatched(int thread) =>
        new(Time, Seed, Concurrency, AllThreads, FreeThreads.Without(thread), processes, thread);

    internal GenContext Completed(int thread, OpType outcome)
    {
        var next = outcome == OpType.Info && thread != NemesisThread
            ? processes.SetItem(thread, processes[thread] + Concurrency)
            : processes;
        return new(Time, Seed, Concurrency, AllThreads, FreeThreads.With(thread), next, lastDispatched);
    }
}
