using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;

namespace Ddia.Verify.Nemesis;

/// <summary>Builds the values that nemesis completions carry: small maps keyed by strings.</summary>
internal static class Values
{
    public static Value Map(params IEnumerable<(string Key, Value Value)> entries) =>
        Value.Map([.. entries.Select(e => KeyValuePair.Create(Value.Of(e.Key), e.Value))]);

    /// <summary>Node names, sorted, so that the same set always prints the same.</summary>
    public static Value Names(IEnumerable<Node> nodes) =>
        Value.List(nodes.Select(n => n.Name).Order(StringComparer.Ordinal).Select(Value.Of).ToImmutableArray());

    public static Value Text(string s) => Value.Of(s);

    /// <summary>An integer or float value as a double (Value keeps floats private: read back through their invariant text).</summary>
    public static double? Number(Value? v) => v?.Kind switch
    {
        ValueKind.Int => v.AsLong,
        ValueKind.Float => double.Parse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => null,
    };

    public static long? Long(Value? v) => v is not null && v.TryGetLong(out var n) ? n : null;

    /// <summary>Per-node failures (node → message) as a map; callers leave it out when empty.</summary>
    public static Value Errors(IReadOnlyDictionary<Node, string> errors) =>
        Map(errors.OrderBy(e => e.Key.Name, StringComparer.Ordinal).Select(e => (e.Key.Name, Value.Of(e.Value))));

    public static string Describe(Exception e) => e is RemoteCommandException ? e.Message : $"{e.GetType().Name}: {e.Message}";

    /// <summary>The completion of a nemesis op: always Info (INemesis contract).</summary>
    public static Op Done(Op invocation, Value value) => invocation with { Type = OpType.Info, Value = value };

    public static ImmutableArray<Node> InTestOrder(TestContext test, IEnumerable<Node> nodes)
    {
        var set = nodes.ToHashSet();
        return [.. test.Nodes.Where(set.Contains)];
    }
}
