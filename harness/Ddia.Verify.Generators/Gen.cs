using System.Collections.Immutable;
using Ddia.Verify.Generators.Combinators;

namespace Ddia.Verify.Generators;

/// <summary>
/// Generators and the combinators that compose them, after Jepsen's <c>jepsen.generator</c>
/// (STYLE.md G9). Every one is an immutable value: build a test's schedule once and run it as often
/// as you like. Durations are <see cref="TimeSpan"/>s here and nanoseconds in contexts and ops.
/// <para>
/// A generator may give its ops to any free thread it sees. At the top of a test that is every
/// client thread and the nemesis thread, as in Jepsen, so route workloads with <see cref="Clients"/>
/// and faults with <see cref="Nemesis"/> (or <see cref="ClientsAndNemesis"/>).
/// </para>
/// <code>
/// var workload = Gen.Stagger(TimeSpan.FromMilliseconds(5), Gen.Mix(
///     Gen.Repeat(new OpTemplate("read")),
///     Gen.Ops((_, random) => new OpTemplate("write", Value.Of(random.Next(5))))));
/// var faults = Gen.Repeat(Gen.Concat(
///     Gen.Sleep(TimeSpan.FromSeconds(5)), Gen.Once(new OpTemplate("start-partition")),
///     Gen.Sleep(TimeSpan.FromSeconds(5)), Gen.Once(new OpTemplate("stop-partition"))));
/// var test = Gen.MainThenFinal(
///     Gen.TimeLimit(TimeSpan.FromSeconds(60), Gen.ClientsAndNemesis(workload, faults)),
///     heal: Gen.Once(new OpTemplate("stop-partition")),
///     recovery: TimeSpan.FromSeconds(10),
///     final: Gen.Once(new OpTemplate("read")));
/// </code>
/// </summary>
public static class Gen
{
    /// <summary>No ops at all: the default of every generator slot.</summary>
    public static IGenerator Empty => Combinators.Empty.Instance;

    /// <summary>One op.</summary>
    public static IGenerator Once(OpTemplate op) => new OpSequence([op]);

    /// <summary>Each op once, in order (each to whichever thread is free).</summary>
    public static IGenerator Ops(params IEnumerable<OpTemplate> ops) => new OpSequence([.. ops]);

    /// <summary>
    /// Endless ops, the n-th (from 0) made by <paramref name="next"/>(n, random): unique values from
    /// n, random ones from the seeded source. <paramref name="next"/> must use no other randomness.
    /// </summary>
    public static IGenerator Ops(Func<long, GenRandom, OpTemplate> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new OpFunction(next);
    }

    /// <summary>The same op, endlessly.</summary>
    public static IGenerator Repeat(OpTemplate op) => new OpFunction((_, _) => op);

    /// <summary>
    /// <paramref name="gen"/> run to exhaustion, then run again from the start: <paramref name="times"/>
    /// runs in all, or forever when null (Jepsen's <c>cycle</c>).
    /// </summary>
    public static IGenerator Repeat(IGenerator gen, int? times = null)
    {
        ArgumentNullException.ThrowIfNull(gen);
        if (times is { } n) ArgumentOutOfRangeException.ThrowIfNegative(n);
        return times == 0 ? Empty : new Repeat(gen, gen, times ?? -1);
    }

    /// <summary>At most <paramref name="n"/> ops from <paramref name="gen"/>.</summary>
    public static IGenerator Limit(long n, IGenerator gen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return new Limit(n, gen);
    }

    /// <summary>
    /// Ops from <paramref name="gen"/> while less than <paramref name="limit"/> has passed since this
    /// generator was first asked for one; then exhausted, even if <paramref name="gen"/> is waiting.
    /// </summary>
    public static IGenerator TimeLimit(TimeSpan limit, IGenerator gen) => new TimeLimit(Positive(limit), gen);

    /// <summary>
    /// Ops from <paramref name="gen"/> at random intervals, uniform in [0, 2 × <paramref name="mean"/>):
    /// about one every <paramref name="mean"/> over all threads together (Jepsen's <c>stagger</c>).
    /// </summary>
    public static IGenerator Stagger(TimeSpan mean, IGenerator gen) => new Stagger(Positive(mean), gen);

    /// <summary>Ops from <paramref name="gen"/> exactly <paramref name="interval"/> apart over all threads (Jepsen's <c>delay</c>).</summary>
    public static IGenerator Delay(TimeSpan interval, IGenerator gen) => new Delay(Positive(interval), gen);

    /// <summary>No ops for <paramref name="duration"/>, then exhausted: a pause inside <see cref="Concat"/> or <see cref="Phases"/>.</summary>
    public static IGenerator Sleep(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new Sleep(Nanos(duration));
    }

    /// <summary>For every op, a uniformly random choice among the generators not yet exhausted (Jepsen's <c>mix</c>).</summary>
    public static IGenerator Mix(params IEnumerable<IGenerator> gens) => Many(gens, b => new Mix(b));

    /// <summary>
    /// Ops from all the generators at once, each op from one that has one soonest (Jepsen's <c>any</c>);
    /// exhausted when all are. Updates reach every generator.
    /// </summary>
    public static IGenerator Any(params IEnumerable<IGenerator> gens) => Many(gens, b => new Any(b));

    /// <summary>All ops of each generator in turn; the next starts while the previous one's ops may still be in flight.</summary>
    public static IGenerator Concat(params IEnumerable<IGenerator> gens) => new Concat([.. gens]);

    /// <summary>
    /// Each generator in turn, each starting only when every thread it may use is free: all ops of
    /// the previous phases have completed (Jepsen's <c>phases</c>).
    /// </summary>
    public static IGenerator Phases(params IEnumerable<IGenerator> gens) => new Concat([.. gens.Select(g => new Synchronize(g))]);

    /// <summary>An op from <paramref name="a"/>, then one from <paramref name="b"/>, and so on, until the one whose turn it is is exhausted.</summary>
    public static IGenerator FlipFlop(IGenerator a, IGenerator b) => new FlipFlop(a, b);

    /// <summary>
    /// <paramref name="gen"/> on the threads that satisfy <paramref name="threads"/> only
    /// (<see cref="GenContext.NemesisThread"/> is the nemesis's).
    /// </summary>
    public static IGenerator OnThreads(Func<int, bool> threads, IGenerator gen) => new OnThreads(threads, gen);

    /// <summary><paramref name="gen"/> on client threads only: the nemesis never gets its ops.</summary>
    public static IGenerator Clients(IGenerator gen) => OnThreads(IsClient, gen);

    /// <summary><paramref name="gen"/> on the nemesis thread only.</summary>
    public static IGenerator Nemesis(IGenerator gen) => OnThreads(IsNemesis, gen);

    /// <summary>Client ops from <paramref name="clients"/> and, at the same time, nemesis ops from <paramref name="nemesis"/>.</summary>
    public static IGenerator ClientsAndNemesis(IGenerator clients, IGenerator nemesis) => Any(Clients(clients), Nemesis(nemesis));

    /// <summary>
    /// A whole test's schedule, as Jepsen runs one: <paramref name="main"/> (usually under a
    /// <see cref="TimeLimit"/>); once all its ops have completed, the nemesis ops of <paramref name="heal"/>
    /// (the final generator of the nemesis package, which undoes every fault); a pause of
    /// <paramref name="recovery"/> for the system to recover; then the client ops of
    /// <paramref name="final"/> (final reads), if any. Each step is a phase.
    /// </summary>
    public static IGenerator MainThenFinal(IGenerator main, IGenerator heal, TimeSpan recovery, IGenerator? final = null) =>
        Phases(main, Nemesis(heal), Sleep(recovery), Clients(final ?? Empty));

    internal static long Nanos(TimeSpan span) => checked(span.Ticks * TimeSpan.NanosecondsPerTick);

    private static long Positive(TimeSpan span)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(span, TimeSpan.Zero);
        return Nanos(span);
    }

    private static IGenerator Many(IEnumerable<IGenerator> gens, Func<ImmutableArray<Branch>, IGenerator> make)
    {
        var branches = Branch.Number(gens);
        return branches.Length switch { 0 => Empty, 1 => branches[0].Gen, _ => make(branches) };
    }

    private static bool IsClient(int thread) => thread != GenContext.NemesisThread;
    private static bool IsNemesis(int thread) => thread == GenContext.NemesisThread;
}
