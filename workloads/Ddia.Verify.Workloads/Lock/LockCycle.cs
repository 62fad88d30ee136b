using System.Collections.Immutable;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Workloads.Lock;

/// <summary>
/// Each client process runs acquire → write → release, over and over (Jepsen's <c>each-thread</c> of a cycle).
/// A failed acquire is tried again instead of writing without the lease; a process that ends info is
/// replaced by a new one, which starts at acquire. Write values count up from 0 across all processes;
/// the k-th write's stall is drawn from the seed alone, so a seed replays the same stalls.
/// </summary>
internal sealed record LockCycle(
    LockOptions Options,
    ImmutableDictionary<int, LockCycle.Place> Places,
    long Writes = 0,
    ulong? RandomState = null) : IGenerator
{
    internal enum Step { Acquire, Write, Release }

    /// <summary>Where a thread is in its cycle, and for which process (a new process starts over).</summary>
    internal readonly record struct Place(int Process, Step Next);

    public static LockCycle Start(LockOptions options) => new(options, ImmutableDictionary<int, Place>.Empty);

    public GenResult Next(GenContext ctx)
    {
        if (ctx.NextFreeThread() is not { } thread) return new Pending(this);
        var process = ctx.ProcessOf(thread);
        var step = Places.TryGetValue(thread, out var place) && place.Process == process ? place.Next : Step.Acquire;
        var next = this;
        OpTemplate template;
        switch (step)
        {
            case Step.Acquire:
                template = LockOps.AcquireOp(Options.LeaseMs);
                break;
            case Step.Write:
                var random = new GenRandom(RandomState ?? ctx.Seed);
                var stall = random.NextDouble() < Options.StallProbability ? Options.EffectiveStallMs : 0;
                template = LockOps.WriteOp(Writes, stall);
                next = this with { Writes = Writes + 1, RandomState = random.State };
                break;
            default:
                template = LockOps.ReleaseOp();
                break;
        }
        var op = ctx.Invoke(template)!.Value;
        var after = step == Step.Release ? Step.Acquire : step + 1;
        return new Emit(op, next with { Places = Places.SetItem(thread, new Place(process, after)) });
    }

    public IGenerator Update(GenContext ctx, Op evt)
    {
        // Without the lease there is nothing to fence: ask again rather than write.
        if (evt.Type != OpType.Fail || evt.F != LockOps.Acquire || !evt.IsClient) return this;
        var thread = ctx.ThreadOf(evt.Process);
        return Places.TryGetValue(thread, out var place) && place.Process == evt.Process
            ? this with { Places = Places.SetItem(thread, place with { Next = Step.Acquire }) }
            : this;
    }
}
