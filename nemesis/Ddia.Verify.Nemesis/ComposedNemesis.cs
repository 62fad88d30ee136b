using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;

namespace Ddia.Verify.Nemesis;

/// <summary>
/// Several nemeses as one, routing each op by its f (STYLE.md G6, Jepsen's <c>compose</c>). No two parts
/// may handle the same f. Setup and teardown go through the parts in order; teardown tries every part
/// even when one fails, then reports all failures together.
/// </summary>
public sealed class ComposedNemesis : INemesis
{
    private readonly Dictionary<string, INemesis> byF = new(StringComparer.Ordinal);

    public ComposedNemesis(IEnumerable<INemesis> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        Parts = [.. parts];
        foreach (var part in Parts)
            foreach (var f in part.Fs)
                if (!byF.TryAdd(f, part))
                    throw new ArgumentException($"two nemeses handle '{f}': {byF[f].GetType().Name} and {part.GetType().Name}", nameof(parts));
        Fs = byF.Keys.ToHashSet(StringComparer.Ordinal);
    }

    public ImmutableArray<INemesis> Parts { get; }

    public IReadOnlySet<string> Fs { get; }

    public async ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation)
    {
        var set = new List<INemesis>();
        foreach (var part in Parts) set.Add(await part.SetupAsync(test, cancellation).ConfigureAwait(false));
        return new ComposedNemesis(set);
    }

    public ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation) =>
        byF.TryGetValue(op.F, out var part)
            ? part.InvokeAsync(test, op, cancellation)
            : throw new ArgumentException($"no nemesis handles '{op.F}'; these are handled: {string.Join(", ", byF.Keys.Order(StringComparer.Ordinal))}",
                nameof(op));

    public async ValueTask TeardownAsync(TestContext test, CancellationToken cancellation)
    {
        var failures = new List<Exception>();
        foreach (var part in Parts)
        {
            try
            {
                await part.TeardownAsync(test, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Heal the rest first: one stuck fault must not leave the others in place.
                failures.Add(e);
            }
        }
        if (failures.Count == 1) throw failures[0];
        if (failures.Count > 1) throw new AggregateException("several nemeses could not heal", failures);
    }
}

/// <summary>Constructors of composite nemeses.</summary>
public static class Nemeses
{
    /// <summary>The nemeses as one; none gives <see cref="NoopNemesis"/>, one gives itself.</summary>
    public static INemesis Compose(params INemesis[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return parts switch { [] => NoopNemesis.Instance, [var one] => one, _ => new ComposedNemesis(parts) };
    }
}
