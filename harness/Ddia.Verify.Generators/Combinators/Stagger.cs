using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// Ops from <see cref="Inner"/>, each at least a random gap after the previous one, uniform in
/// [0, 2 × <see cref="Mean"/>): about one op every <see cref="Mean"/> ns across all threads, as
/// Jepsen's <c>stagger</c> (a total rate, not a per-thread one). The first op goes at once; when no
/// thread was free the gap counts from when the op could start, so a slow system is not flooded afterwards.
/// </summary>
internal sealed record Stagger(long Mean, IGenerator Inner, long? NextTime = null, ulong? RandomState = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var due = NextTime ?? ctx.Time;
        switch (Inner.Next(ctx.Child(0)))
        {
            case Emit e when ctx.Time >= due:
                var random = new GenRandom(RandomState ?? ctx.Seed);
                var gap = random.NextInt64(2 * Mean);
                return new Emit(e.Invocation, new Stagger(Mean, e.Next, ctx.Time + gap, random.State));
            case Emit:
                // Not yet: the inner op is dropped and asked for again at the due time (generators are pure).
                return new Pending(this with { NextTime = due }, due);
            case Pending p:
                return new Pending(this with { Inner = p.Next, NextTime = due }, p.WakeAt is { } w ? Math.Max(w, due) : null);
            default:
                return Exhausted.Instance;
        }
    }

    public IGenerator Update(GenContext ctx, Op evt) => this with { Inner = Inner.Update(ctx.Child(0), evt) };
}
