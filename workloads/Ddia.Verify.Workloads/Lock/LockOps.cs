using System.Collections.Immutable;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Lock;

/// <summary>
/// The op shapes of the lock workload (DDIA §8, fencing tokens). Each client process cycles
/// acquire → write → release:
/// <list type="bullet">
/// <item><c>acquire</c>: invoked with <c>{"leaseMs": L}</c>; ok completes with <c>{"token": t}</c>, fail when another holds the lease.</item>
/// <item><c>write</c>: invoked with <c>{"value": v, "stallMs": s}</c>, v unique in the run; the holder stalls s ms
/// (a GC pause) between believing it holds the lease and sending the write under its token. Ok completes with
/// <c>{"value": v, "token": t, "index": i, "stallMs": s}</c>, i the position at which the write took effect in the
/// system's order (a Raft log index); fail when it was fenced off or the process held no token.</item>
/// <item><c>release</c>: invoked with nil; ok completes with <c>{"token": t}</c>.</item>
/// </list>
/// </summary>
public static class LockOps
{
    public const string Acquire = "acquire";
    public const string Write = "write";
    public const string Release = "release";

    public static OpTemplate AcquireOp(long leaseMs) => new(Acquire, Map(("leaseMs", Value.Of(leaseMs))));

    public static OpTemplate WriteOp(long value, long stallMs) => new(Write, WriteValue(value, stallMs));

    public static OpTemplate ReleaseOp() => new(Release);

    public static Value WriteValue(long value, long stallMs) => Map(("value", Value.Of(value)), ("stallMs", Value.Of(stallMs)));

    /// <summary>An ok acquire's (and release's) completion value.</summary>
    public static Value TokenValue(long token) => Map(("token", Value.Of(token)));

    /// <summary>An ok write's completion value.</summary>
    public static Value WrittenValue(long value, long token, long index, long stallMs) =>
        Map(("value", Value.Of(value)), ("token", Value.Of(token)), ("index", Value.Of(index)), ("stallMs", Value.Of(stallMs)));

    /// <summary>An integer field of a map value, or null when it is missing or not an integer.</summary>
    public static long? Field(Value value, string name)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Get(name) is { } v && v.TryGetLong(out var n) ? n : null;
    }

    private static Value Map(params (string Key, Value Value)[] entries) =>
        Value.Map([.. entries.Select(e => KeyValuePair.Create(Value.Of(e.Key), e.Value))]);
}
