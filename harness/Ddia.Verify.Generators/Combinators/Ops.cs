using System.Collections.Immutable;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Generators.Combinators;

/// <summary>Each template once, in order: Jepsen's sequence of maps.</summary>
internal sealed record OpSequence(ImmutableArray<OpTemplate> Templates, int Position = 0) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        if (Position >= Templates.Length) return Exhausted.Instance;
        return ctx.Invoke(Templates[Position]) is { } op
            ? new Emit(op, this with { Position = Position + 1 })
            : new Pending(this);
    }

    public IGenerator Update(GenContext ctx, Op evt) => this;
}

/// <summary>
/// Endless ops made by a function of their ordinal (0, 1, 2, …) and a random source: Jepsen's
/// function generator. The function is called only when a thread is free to take the op.
/// </summary>
internal sealed record OpFunction(Func<long, GenRandom, OpTemplate> Make, long Count = 0, ulong? RandomState = null) : IGenerator
{
    public GenResult Next(GenContext ctx)
    {
        if (ctx.NextFreeThread() is null) return new Pending(this);
        var random = new GenRandom(RandomState ?? ctx.Seed);
        var op = ctx.Invoke(Make(Count, random))!.Value;
        return new Emit(op, this with { Count = Count + 1, RandomState = random.State });
    }

    public IGenerator Update(GenContext ctx, Op evt) => this;
}

/// <summary>The generator with nothing to do.</summary>
internal sealed record Empty : IGenerator
{
    public static Empty Instance { get; } = new();
    public GenResult Next(GenContext ctx) => Exhausted.Instance;
    public IGenerator Update(GenContext ctx, Op evt) => this;
}
