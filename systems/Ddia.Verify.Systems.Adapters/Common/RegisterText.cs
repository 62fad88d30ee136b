using System.Globalization;
using Ddia.Verify.History;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>
/// Register values on systems that store text: integers travel as their invariant text and come back as integers, so a
/// read returns exactly the value that was written.
/// </summary>
internal static class RegisterText
{
    /// <summary>The system's key for an op on key k: "{prefix}{k}"; "{prefix}0" for an op without a key.</summary>
    public static string Key(Op op, string prefix) => prefix + (op.Key is { } k ? Text(k) : "0");

    public static string Text(Value value) =>
        value.TryGetLong(out var n) ? n.ToString(CultureInfo.InvariantCulture)
        : value.AsText ?? throw new ArgumentException($"register values are integers or strings, got {value}", nameof(value));

    /// <summary>What a read of <paramref name="text"/> returns; null (absent) is nil.</summary>
    public static Value FromText(string? text) =>
        text is null ? Value.Nil
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? Value.Of(n)
        : Value.Of(text);
}
