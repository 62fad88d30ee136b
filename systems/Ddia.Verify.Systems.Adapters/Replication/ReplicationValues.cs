using System.Globalization;
using System.Text.Json;

namespace Ddia.Verify.Systems.Adapters.Replication;

/// <summary>
/// What the set and counter workloads store in the nodes' opaque string values, and how siblings (the concurrent
/// values a version-vector key holds) merge back into one.
/// </summary>
internal static class ReplicationValues
{
    /// <summary>A set value: the JSON text of its elements as a sorted array, <c>[1,5,9]</c>.</summary>
    public static string SetText(IEnumerable<long> elements) => JsonSerializer.Serialize(elements.Distinct().Order().ToArray());

    /// <summary>The elements of a set value; <see cref="FormatException"/> for anything but a JSON array of integers.</summary>
    public static long[] SetElements(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<long[]>(text) ?? throw new FormatException($"a set value is an array of integers, got {text}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"a set value is an array of integers, got {text}", e);
        }
    }

    /// <summary>The union of every sibling's elements (none for an absent key): a set merges without losing an add.</summary>
    public static SortedSet<long> Union(IEnumerable<string> siblings) => [.. siblings.SelectMany(SetElements)];

    /// <summary>A counter value: its invariant integer text.</summary>
    public static string CounterText(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The counter a key holds: 0 when absent, else the greatest sibling. Version-vector siblings of a counter cannot
    /// be merged correctly without a CRDT (each sibling is a whole count, and their common increments are not known),
    /// so the max is the best guess, and the increments of the other siblings are lost: what the checker should see.
    /// </summary>
    public static long CounterValue(IReadOnlyList<string> siblings) => siblings.Count == 0 ? 0 : siblings.Max(CounterNumber);

    private static long CounterNumber(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
        : throw new FormatException($"a counter value is an integer, got {text}");
}
