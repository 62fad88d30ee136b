using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// No ops for <see cref="Duration"/> ns from when it is first asked, then exhausted: a pause between
/// the parts of a <see cref="Concat"/> or <see cref="Gen.Phases"/>. Unlike Jepsen's <c>sleep</c>, it
/// occupies no thread.
/// </summary>
internal sealed record Sleep(long Duration, long? Until = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var until = Until ?? ctx.Time + Duration;
        return ctx.Time >= until ? Exhausted.Instance : new Pending(this with { Until = until }, until);
    }

    public IGenerator Update(GenContext ctx, Op evt) => this;
}
