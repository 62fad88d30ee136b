using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Invariants;

/// <summary>
/// The counter invariant: every read lies between the least and the greatest value the counter could
/// have had while the read ran.
/// <para>Op shapes (client ops only; nemesis ops are ignored):</para>
/// <list type="bullet">
/// <item><c>f "add"</c>, value an integer n (any sign).</item>
/// <item><c>f "read"</c>, ok completion value an integer.</item>
/// </list>
/// For a read, adds that completed ok before it was invoked certainly count; ok adds concurrent with
/// it, and info adds invoked before it completed, may or may not; failed adds never do. So its bounds
/// are initial + certain + (the negative possible ones) and initial + certain + (the positive
/// possible ones). One sweep of prefix sums: O(n). Anomaly kind <c>out-of-bounds</c>; Detail:
/// <see cref="CounterResult"/> with every read's bounds. An ok or info add whose value is not an
/// integer makes the result Unknown (the bounds after it are not known); so does a read whose value is
/// not an integer (it is skipped), or no ok read at all.
/// </summary>
public sealed class CounterChecker(long initial = 0) : IChecker
{
    public string Name => "counter";

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        var calls = new List<Call>();
        if (Calls.Collect(history, calls, cancellation) is { } unreadable) return CheckResult.Unknown(Name, unreadable);

        // Prefix sums by history position, split by sign: of adds that may count once invoked (ok and
        // info), and of ok adds that certainly count once completed. Entry p sums events before p.
        var n = history.Count;
        var invokedUp = new long[n + 1];
        var invokedDown = new long[n + 1];
        var doneUp = new long[n + 1];
        var doneDown = new long[n + 1];
        var problems = new List<string>();
        var reads = new List<(Call Call, long Value)>();
        foreach (var call in calls)
        {
            switch (call.Invocation.F)
            {
                case "add" when call.Outcome is OpType.Ok or OpType.Info:
                    if (!call.Invocation.Value.TryGetLong(out var amount))
                        return CheckResult.Unknown(Name,
                            $"add invoked at {Calls.Where(call.Invoke, call.Invocation)}: value {call.Invocation.Value} is not an integer, so no read after it can be bounded");
                    (amount >= 0 ? invokedUp : invokedDown)[call.Invoke + 1] += amount;
                    if (call.Outcome == OpType.Ok) (amount >= 0 ? doneUp : doneDown)[call.Complete + 1] += amount;
                    break;
                case "read" when call.Outcome == OpType.Ok:
                    if (call.Result.TryGetLong(out var value)) reads.Add((call, value));
                    else problems.Add($"read completed at {Calls.Where(call.Complete, call.Completion!.Value)}: value {call.Result} is not an integer");
                    break;
            }
        }
        if (reads.Count == 0)
            return new CheckResult(Name, Validity.Unknown, []) { Error = Calls.Error(problems, "no ok read of the counter") };

        try
        {
            for (var p = 1; p <= n; p++)
            {
                invokedUp[p] = checked(invokedUp[p] + invokedUp[p - 1]);
                invokedDown[p] = checked(invokedDown[p] + invokedDown[p - 1]);
                doneUp[p] = checked(doneUp[p] + doneUp[p - 1]);
                doneDown[p] = checked(doneDown[p] + doneDown[p - 1]);
            }
        }
        catch (OverflowException)
        {
            return CheckResult.Unknown(Name, "the sum of the adds overflows 64 bits");
        }

        var results = ImmutableArray.CreateBuilder<CounterRead>(reads.Count);
        var anomalies = ImmutableArray.CreateBuilder<Anomaly>();
        foreach (var (read, value) in reads)
        {
            // Certain: ok adds completed before the read's invoke. Possible: ok/info adds invoked
            // before the read's completion, less the certain ones (each certain one was invoked earlier too).
            var certain = initial + doneUp[read.Invoke] + doneDown[read.Invoke];
            var lower = certain + (invokedDown[read.Complete] - doneDown[read.Invoke]);
            var upper = certain + (invokedUp[read.Complete] - doneUp[read.Invoke]);
            results.Add(new CounterRead(read.Invoke, read.Complete, value, lower, upper));
            if (value >= lower && value <= upper) continue;
            anomalies.Add(new Anomaly(InvariantAnomalies.OutOfBounds, [read.Invoke, read.Complete],
                $"The {read.Describe()} returned {value.ToString(CultureInfo.InvariantCulture)}, but while it ran the counter could only " +
                $"have been between {lower.ToString(CultureInfo.InvariantCulture)} and {upper.ToString(CultureInfo.InvariantCulture)} " +
                $"({(value < lower ? lower - value : value - upper).ToString(CultureInfo.InvariantCulture)} {(value < lower ? "below" : "above")})."));
        }
        var detail = new CounterResult(initial, reads.Count, anomalies.Count, results.MoveToImmutable());
        return new CheckResult(Name, Calls.Verdict(anomalies.Count, problems, decided: true), anomalies.ToImmutable())
        {
            Detail = detail,
            Error = Calls.Error(problems, null),
        };
    }
}

/// <summary>What the counter checker found: every ok read with its bounds, in invocation order.</summary>
public sealed record CounterResult(long Initial, int ReadsChecked, int OutOfBounds, ImmutableArray<CounterRead> Reads);

/// <summary>An ok read (its invocation and completion positions), the value it returned and the bounds it had to lie in.</summary>
public sealed record CounterRead(int Position, int Completion, long Value, long Lower, long Upper)
{
    public bool InBounds => Value >= Lower && Value <= Upper;
}
