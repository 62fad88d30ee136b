using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// Ops from <see cref="Inner"/> until <see cref="Limit"/> ns after this generator was first asked;
/// exhausted from then on. Unlike Jepsen, whose clock starts at the first op, the clock starts when
/// the generator starts (the phase it belongs to begins), and a pending inner generator is woken
/// at the cutoff, so a phase ends on time even while its inner generator waits.
/// </summary>
internal sealed record TimeLimit(long Limit, IGenerator Inner, long? Cutoff = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var cutoff = Cutoff ?? ctx.Time + Limit;
        if (ctx.Time >= cutoff) return Exhausted.Instance;
        return Inner.Next(ctx.Child(0)) switch
        {
            Emit e => new Emit(e.Invocation, new TimeLimit(Limit, e.Next, cutoff)),
            Pending p => new Pending(new TimeLimit(Limit, p.Next, cutoff), Earliest(p.WakeAt, cutoff)),
            var done => done,
        };
    }

    public IGenerator Update(GenContext ctx, Op evt) => this with { Inner = Inner.Update(ctx.Child(0), evt) };
}
