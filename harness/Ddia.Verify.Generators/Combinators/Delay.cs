using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// Ops from <see cref="Inner"/> exactly <see cref="Interval"/> ns apart across all threads (Jepsen's
/// <c>delay</c>). An op that could not start on time starts as soon as it can, and the next one
/// follows an interval after it: no burst to catch up.
/// </summary>
internal sealed record Delay(long Interval, IGenerator Inner, long? NextTime = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var due = NextTime ?? ctx.Time;
        return Inner.Next(ctx.Child(0)) switch
        {
            Emit e when ctx.Time >= due => new Emit(e.Invocation, new Delay(Interval, e.Next, ctx.Time + Interval)),
            Emit => new Pending(this with { NextTime = due }, due),
            Pending p => new Pending(this with { Inner = p.Next, NextTime = due }, p.WakeAt is { } w ? Math.Max(w, due) : null),
            var done => done,
        };
    }

    public IGenerator Update(GenContext ctx, Op evt) => this with { Inner = Inner.Update(ctx.Child(0), evt) };
}
