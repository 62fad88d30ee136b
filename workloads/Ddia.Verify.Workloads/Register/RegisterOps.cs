using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Register;

/// <summary>
/// The op shapes of the register workload, exactly as the cas-register model of the linearizability
/// checker reads them (<c>Checkers.Linearizability.Models.RegisterModel</c>):
/// <list type="bullet">
/// <item><c>read</c>: invoked with nil; an ok completion carries the value read, nil when the register is absent.</item>
/// <item><c>write</c>: invoked with the value v; ok when it took effect.</item>
/// <item><c>cas</c>: invoked with <c>[from, to]</c>; ok when the register held <c>from</c> and now holds <c>to</c>,
/// fail when it held something else (and is unchanged).</item>
/// </list>
/// Ops on independent keys carry the key in <see cref="Op.Key"/>, never inside the value. The register starts absent (nil).
/// </summary>
public static class RegisterOps
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Cas = "cas";

    public static OpTemplate ReadOp(Value? key = null) => new(Read, Value.Nil, key);

    public static OpTemplate WriteOp(long value, Value? key = null) => new(Write, Value.Of(value), key);

    public static OpTemplate CasOp(long from, long to, Value? key = null) => new(Cas, CasValue(Value.Of(from), Value.Of(to)), key);

    /// <summary>The value of a cas invocation: the list <c>[from, to]</c>.</summary>
    public static Value CasValue(Value from, Value to) => Value.List(from, to);

    /// <summary>Splits a cas invocation's value; throws <see cref="ArgumentException"/> for any other shape.</summary>
    public static (Value From, Value To) CasParts(Value value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Kind == ValueKind.List && value.Items.Length == 2
            ? (value.Items[0], value.Items[1])
            : throw new ArgumentException($"a cas takes [from to], got {value}", nameof(value));
    }
}
