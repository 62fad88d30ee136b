using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// <see cref="Original"/> run to exhaustion, then again from its original value, <see cref="Remaining"/>
/// runs in all (-1: forever): Jepsen's <c>cycle</c>. Each run is a fresh child of the context, so a
/// random generator repeated makes new choices every run. A generator that is exhausted the moment
/// it restarts ends the repetition instead of spinning.
/// </summary>
internal sealed record Repeat(IGenerator Original, IGenerator Current, long Remaining, long Run = 0) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var current = Current;
        var remaining = Remaining;
        var run = Run;
        var restarted = false;
        while (true)
        {
            switch (current.Next(ctx.Child(run)))
            {
                case Emit e:
                    return new Emit(e.Invocation, new Repeat(Original, e.Next, remaining, run));
                case Pending p:
                    return new Pending(new Repeat(Original, p.Next, remaining, run), p.WakeAt);
            }
            if (restarted || remaining == 1) return Exhausted.Instance;
            if (remaining > 1) remaining--;
            current = Original;
            run++;
            restarted = true;
        }
    }

    public IGenerator Update(GenContext ctx, Op evt) => this with { Current = Current.Update(ctx.Child(Run), evt) };
}
