using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>An op from <see cref="A"/>, then one from <see cref="B"/>, and so on; exhausted as soon as the one whose turn it is is.</summary>
internal sealed record FlipFlop(IGenerator A, IGenerator B, bool BsTurn = false) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var (gen, index) = BsTurn ? (B, 1) : (A, 0);
        return gen.Next(ctx.Child(index)) switch
        {
            Emit e => new Emit(e.Invocation, BsTurn ? this with { B = e.Next, BsTurn = false } : this with { A = e.Next, BsTurn = true }),
            Pending p => new Pending(BsTurn ? this with { B = p.Next } : this with { A = p.Next }, p.WakeAt),
            var done => done,
        };
    }

    public IGenerator Update(GenContext ctx, Op evt) => this with { A = A.Update(ctx.Child(0), evt), B = B.Update(ctx.Child(1), evt) };
}
