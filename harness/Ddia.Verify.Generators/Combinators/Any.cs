using System.Collections.Immutable;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// Ops from whichever branch has one soonest (Jepsen's <c>any</c>); exhausted when every branch is.
/// An op is always for now, so "soonest" means: any branch that can emit now, else the earliest
/// wake-up among the pending ones. Ties go round-robin, starting after the branch that emitted last,
/// so no branch starves another and no random draw is needed. Updates go to every branch.
/// </summary>
internal sealed record Any(ImmutableArray<Branch> Branches, int Turn = 0) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        var branches = Branches.ToBuilder();
        var live = new bool[branches.Count];
        long? wake = null;
        var start = 0;
        while (start < branches.Count && branches[start].Id < Turn) start++;
        if (start == branches.Count) start = 0;
        for (var k = 0; k < branches.Count; k++)
        {
            var i = (start + k) % branches.Count;
            var branch = branches[i];
            switch (branch.Gen.Next(ctx.Child(branch.Id)))
            {
                case Emit e:
                    branches[i] = branch with { Gen = e.Next };
                    live[i] = true;
                    // Branches not asked this time stay as they are.
                    for (var j = k + 1; j < branches.Count; j++) live[(start + j) % branches.Count] = true;
                    return new Emit(e.Invocation, new Any(Keep(branches, live), branch.Id + 1));
                case Pending p:
                    branches[i] = branch with { Gen = p.Next };
                    live[i] = true;
                    wake = Earliest(wake, p.WakeAt);
                    break;
            }
        }
        return live.Contains(true) ? new Pending(new Any(Keep(branches, live), Turn), wake) : Exhausted.Instance;
    }

    public IGenerator Update(GenContext ctx, Op evt) =>
        this with { Branches = [.. Branches.Select(b => b with { Gen = b.Gen.Update(ctx.Child(b.Id), evt) })] };

    private static ImmutableArray<Branch> Keep(ImmutableArray<Branch>.Builder branches, bool[] live) =>
        [.. branches.Where((_, i) => live[i])];
}
