namespace Ddia.Verify.Generators.Combinators;

/// <summary>
/// A child of a many-child combinator, with the position it was given at construction: its
/// <see cref="GenContext.Child"/> index, so that its seed stays the same when siblings drop out.
/// </summary>
internal readonly record struct Branch(int Id, IGenerator Gen)
{
    public static System.Collections.Immutable.ImmutableArray<Branch> Number(IEnumerable<IGenerator> gens) =>
        [.. gens.Select((g, i) => new Branch(i, g))];
}
