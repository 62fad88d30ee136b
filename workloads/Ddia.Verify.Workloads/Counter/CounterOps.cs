using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Counter;

/// <summary>
/// The op shapes of the counter workload, exactly as <c>Checkers.Invariants.CounterChecker</c> reads them:
/// <list type="bullet">
/// <item><c>add</c>: invoked with the amount (the workload always adds 1); ok when the counter grew by it.</item>
/// <item><c>read</c>: invoked with nil; an ok completion carries the counter's value, an integer (0 when it was never written).</item>
/// </list>
/// Ops carry no key: the counter is one object.
/// </summary>
public static class CounterOps
{
    public const string Add = "add";
    public const string Read = "read";

    public static OpTemplate AddOp(long amount = 1) => new(Add, Value.Of(amount));

    public static OpTemplate ReadOp() => new(Read, Value.Nil);
}
