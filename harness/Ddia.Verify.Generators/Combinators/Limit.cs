using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>At most <see cref="Remaining"/> more ops from <see cref="Inner"/>.</summary>
internal sealed record Limit(long Remaining, IGenerator Inner) : IGenerator
{
    public GenResult Next(GenContext ctx) => Remaining <= 0 ? Exhausted.Instance : Inner.Next(ctx.Child(0)) switch
    {
        Emit e => new Emit(e.Invocation, new Limit(Remaining - 1, e.Next)),
        Pending p => new Pending(this with { Inner = p.Next }, p.WakeAt),
        var done => done,
    };

    public IGenerator Update(GenContext ctx, Op evt) => this with { Inner = Inner.Update(ctx.Child(0), evt) };
}
