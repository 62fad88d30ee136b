using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// <see cref="Inner"/> seeing only the threads that satisfy <see cref="Threads"/> (Jepsen's
/// <c>on-threads</c>): it can give ops only to them, its barriers wait only for them, and it is told
/// only of their events. The set is worked out once, on first use.
/// </summary>
internal sealed record OnThreads(Func<int, bool> Threads, IGenerator Inner, ThreadSet? Mask = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var mask = Mask ?? ctx.AllThreads.Where(Threads);
        return Inner.Next(ctx.Restrict(mask).Child(0)) switch
        {
            Emit e => new Emit(e.Invocation, new OnThreads(Threads, e.Next, mask)),
            Pending p => new Pending(new OnThreads(Threads, p.Next, mask), p.WakeAt),
            var done => done,
        };
    }

    public IGenerator Update(GenContext ctx, Op evt)
    {
        if (!Threads(ctx.ThreadOf(evt.Process))) return this;
        var mask = Mask ?? ctx.AllThreads.Where(Threads);
        return new OnThreads(Threads, Inner.Update(ctx.Restrict(mask).Child(0), evt), mask);
    }
}
