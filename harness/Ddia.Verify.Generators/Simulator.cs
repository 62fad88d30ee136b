using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators;

/// <summary>
/// How a simulated system answers: the completion of <paramref name="invocation"/> (its type, value
/// and error; the simulator sets index, time and process) and how long it took, in ns (≥ 0).
/// Draw any randomness from <paramref name="random"/>.
/// </summary>
public delegate (Op Completion, long LatencyNanos) Completer(Op invocation, GenRandom random);

/// <summary>
/// Runs a generator in virtual time against an in-memory system described by a <see cref="Completer"/>,
/// with <see cref="Concurrency"/> client threads and one nemesis thread, and returns the history:
/// invocations and completions with index, time and process set, in time order. No clocks, no
/// threads: the same generator, concurrency and seed give the same history, op for op. Time jumps
/// straight to the next completion or wake-up, so a simulated hour costs what its ops cost.
/// </summary>
public sealed record Simulator(int Concurrency, ulong Seed)
{
    /// <summary>How ops complete. The default value completes every client op ok and every nemesis op info, after 1 ms.</summary>
    public Completer Complete { get; init; } = Completers.Fixed(TimeSpan.FromMilliseconds(1));

    /// <summary>
    /// A guard against generators that never end: the run throws after this many invocations.
    /// The default value is 10,000,000.
    /// </summary>
    public long MaxInvocations { get; init; } = 10_000_000;

    public List<Op> Run(IGenerator generator)
    {
        var scheduler = new Scheduler(generator, Concurrency, Seed);
        var random = new GenRandom(GenRandom.Derive(Seed, -1));   // a stream apart from the generator's
        var history = new List<Op>();
        var inFlight = new PriorityQueue<Op, (long Time, long Order)>();
        long now = 0, order = 0, invocations = 0;
        while (true)
        {
            while (inFlight.TryPeek(out _, out var due) && due.Time <= now) Record(inFlight.Dequeue());
            switch (scheduler.Next(now))
            {
                case Emit e:
                    if (++invocations > MaxInvocations)
                    {
                        throw new InvalidOperationException(
                            $"The generator was still going after {MaxInvocations} invocations (virtual time {now} ns); limit it.");
                    }
                    history.Add(e.Invocation with { Index = history.Count });
                    var completion = Completion(e.Invocation, random);
                    inFlight.Enqueue(completion, (completion.Time, order++));
                    break;
                case Pending p:
                    long? next = inFlight.TryPeek(out _, out var first) ? first.Time : null;
                    now = Earliest(p.WakeAt, next) ?? throw new InvalidOperationException(
                        $"The generator is pending at {now} ns with no op in flight and no wake-up time: it would wait forever.");
                    break;
                default:
                    while (inFlight.TryDequeue(out var done, out _)) Record(done);
                    return history;
            }
        }

        void Record(Op completion)
        {
            history.Add(completion with { Index = history.Count });
            scheduler.Complete(completion);
        }
    }

    private Op Completion(Op invocation, GenRandom random)
    {
        var (completion, latency) = Complete(invocation, random);
        if (completion.Type == OpType.Invoke || completion.F != invocation.F || latency < 0)
        {
            throw new InvalidOperationException(
                $"The completer answered {invocation} with {completion} after {latency} ns: it must complete the same f, after ≥ 0 ns.");
        }
        return completion with { Index = -1, Time = invocation.Time + latency, Process = invocation.Process, Key = invocation.Key };
    }
}

/// <summary>Ready-made <see cref="Completer"/>s.</summary>
public static class Completers
{
    /// <summary>Every client op ok and every nemesis op info, after <paramref name="latency"/>.</summary>
    public static Completer Fixed(TimeSpan latency)
    {
        var nanos = Gen.Nanos(latency);
        return (op, _) => (Outcome(op, OpType.Ok), nanos);
    }

    /// <summary>
    /// Latency uniform in [<paramref name="min"/>, <paramref name="max"/>]; a client op fails with
    /// probability <paramref name="failRate"/>, ends info with probability <paramref name="infoRate"/>,
    /// and is ok otherwise; nemesis ops end info.
    /// </summary>
    public static Completer Random(TimeSpan min, TimeSpan max, double failRate = 0, double infoRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        if (failRate < 0 || infoRate < 0 || failRate + infoRate > 1)
            throw new ArgumentOutOfRangeException(nameof(failRate), "rates must be ≥ 0 and add up to at most 1");
        var (lo, span) = (Gen.Nanos(min), Gen.Nanos(max) - Gen.Nanos(min) + 1);
        return (op, random) =>
        {
            var latency = lo + random.NextInt64(span);
            var roll = random.NextDouble();
            var type = roll < failRate ? OpType.Fail : roll < failRate + infoRate ? OpType.Info : OpType.Ok;
            return (Outcome(op, type), latency);
        };
    }

    private static Op Outcome(Op invocation, OpType clientType) =>
        invocation with { Type = invocation.Process == Op.NemesisProcess ? OpType.Info : clientType };
}
