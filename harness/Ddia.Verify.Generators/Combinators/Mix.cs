using System.Collections.Immutable;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// A uniformly random choice among the live <see cref="Branches"/> for every op (Jepsen's <c>mix</c>).
/// The choice is drawn once per op and kept while the chosen branch is pending; an exhausted branch
/// drops out and the choice is drawn again among the rest.
/// </summary>
internal sealed record Mix(ImmutableArray<Branch> Branches, int Chosen = -1, ulong? RandomState = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var branches = Branches;
        var chosen = Chosen;
        var state = RandomState ?? ctx.Seed;
        while (branches.Length > 0)
        {
            if (chosen < 0)
            {
                var random = new GenRandom(state);
                chosen = random.Next(branches.Length);
                state = random.State;
            }
            var branch = branches[chosen];
            switch (branch.Gen.Next(ctx.Child(branch.Id)))
            {
                case Emit e:
                    return new Emit(e.Invocation, new Mix(branches.SetItem(chosen, branch with { Gen = e.Next }), -1, state));
                case Pending p:
                    return new Pending(new Mix(branches.SetItem(chosen, branch with { Gen = p.Next }), chosen, state), p.WakeAt);
                default:
                    branches = branches.RemoveAt(chosen);
                    chosen = -1;
                    break;
            }
        }
        return Exhausted.Instance;
    }

    public IGenerator Update(GenContext ctx, Op evt) =>
        this with { Branches = [.. Branches.Select(b => b with { Gen = b.Gen.Update(ctx.Child(b.Id), evt) })] };
}
