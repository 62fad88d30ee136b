using System.Collections.Immutable;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Set;

/// <summary>
/// The op shapes of the set workload, exactly as <c>Checkers.Invariants.SetChecker</c> reads them:
/// <list type="bullet">
/// <item><c>add</c>: invoked with the element, an integer unique in the whole test (0, 1, 2, …); ok when it is in the set.</item>
/// <item><c>read</c>: invoked with nil; an ok completion carries the list of elements read, ascending.</item>
/// </list>
/// Ops carry no key: a system may spread the set over several storage keys (<see cref="StorageKey"/>), but a read
/// reads all of them, so the history is of one set.
/// </summary>
public static class SetOps
{
    public const string Add = "add";
    public const string Read = "read";

    public static OpTemplate AddOp(long element) => new(Add, Value.Of(element));

    public static OpTemplate ReadOp() => new(Read, Value.Nil);

    /// <summary>Which of <paramref name="keys"/> storage keys (0..keys-1) holds <paramref name="element"/>: element mod keys.
    /// Spreading the set keeps read-modify-write contention per key low.</summary>
    public static int StorageKey(long element, int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        return (int)(((element % keys) + keys) % keys);
    }

    /// <summary>The value of an ok read: the elements, ascending.</summary>
    public static Value ReadValue(IEnumerable<long> elements) => Value.List(elements.Order().Select(e => Value.Of(e)).ToImmutableArray());
}
