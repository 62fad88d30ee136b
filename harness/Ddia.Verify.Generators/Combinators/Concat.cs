using System.Collections.Immutable;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// All ops of the first generator, then all of the second, and so on (Jepsen's sequences). The next
/// one starts as soon as the current one is exhausted, while its ops may still be in flight;
/// <see cref="Gen.Phases"/> waits for them. Updates go to the current generator only.
/// </summary>
internal sealed record Concat(ImmutableArray<IGenerator> Parts, int Position = 0) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        for (var i = Position; i < Parts.Length; i++)
        {
            switch (Parts[i].Next(ctx.Child(i)))
            {
                case Emit e:
                    return new Emit(e.Invocation, new Concat(Parts.SetItem(i, e.Next), i));
                case Pending p:
                    return new Pending(new Concat(Parts.SetItem(i, p.Next), i), p.WakeAt);
            }
        }
        return Exhausted.Instance;
    }

    public IGenerator Update(GenContext ctx, Op evt) =>
        Position < Parts.Length ? this with { Parts = Parts.SetItem(Position, Parts[Position].Update(ctx.Child(Position), evt)) } : this;
}

/// <summary>
/// <see cref="Inner"/>, started only once every thread of the context is free (Jepsen's
/// <c>synchronize</c>): the barrier between phases.
/// </summary>
internal sealed record Synchronize(IGenerator Inner, bool Started = false) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        if (!Started && !ctx.AllFree) return new Pending(this);
        return Inner.Next(ctx.Child(0)) switch
        {
            Emit e => new Emit(e.Invocation, new Synchronize(e.Next, true)),
            Pending p => new Pending(new Synchronize(p.Next, true), p.WakeAt),
            var done => done,
        };
    }

    public IGenerator Update(GenContext ctx, Op evt) => this with { Inner = Inner.Update(ctx.Child(0), evt) };
}
