using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Checkers;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Workloads.Lock;

/// <summary>
/// Mutual exclusion of fenced writes (DDIA §8): the ok writes, in the order they took effect (their
/// <c>index</c>), must carry non-decreasing fencing tokens. A write under token t that lands after a write
/// under a higher token t' came from a holder that lost the lock while it was paused, and was let through
/// anyway. Failed writes (fenced off) and info writes (outcome unknown) are not judged: only writes the
/// system acknowledged, with the index it applied them at, say where they landed.
/// </summary>
public sealed class FencedWritesChecker : IChecker
{
    public const string Kind = "late-fenced-write";

    public string Name => "fenced-writes";

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        var writes = OkWrites(history);
        if (writes.Count == 0) return CheckResult.Unknown(Name, "no write completed ok: nothing to judge");

        writes.Sort((a, b) => a.Index != b.Index ? a.Index.CompareTo(b.Index) : a.Invocation.CompareTo(b.Invocation));
        var anomalies = ImmutableArray.CreateBuilder<Anomaly>();
        Write? highest = null;
        foreach (var w in writes)
        {
            cancellation.ThrowIfCancellationRequested();
            if (highest is { } h && w.Token < h.Token) anomalies.Add(Describe(h, w));
            if (highest is null || w.Token > highest.Value.Token) highest = w;
        }
        return new CheckResult(Name, anomalies.Count > 0 ? Validity.Invalid : Validity.Valid, anomalies.ToImmutable());
    }

    /// <summary>An ok write: where its invocation and completion are, and what its completion says.</summary>
    private readonly record struct Write(int Invocation, int Completion, int Process, long Value, long Token, long Index, long StallMs);

    private static List<Write> OkWrites(HistoryList history)
    {
        var writes = new List<Write>();
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (!op.IsInvoke || !op.IsClient || op.F != LockOps.Write) continue;
            var c = history.CompletionOf(i);
            if (c < 0 || history[c].Type != OpType.Ok) continue;
            var done = history[c].Value;
            writes.Add(new Write(i, c, op.Process,
                Required(done, "value", c),
                Required(done, "token", c),
                Required(done, "index", c),
                LockOps.Field(done, "stallMs") ?? LockOps.Field(op.Value, "stallMs") ?? 0));
        }
        return writes;
    }

    private static long Required(Value value, string field, int position) =>
        LockOps.Field(value, field)
        ?? throw new CheckerInputException(position, "value", $"an ok write completes with {{value, token, index, stallMs}}; '{field}' is missing in {value}");

    private static Anomaly Describe(Write earlier, Write late)
    {
        var stall = late.StallMs > 0
            ? string.Create(CultureInfo.InvariantCulture, $" after stalling {late.StallMs} ms")
            : " (it did not stall on purpose)";
        var text =
            string.Create(CultureInfo.InvariantCulture,
                $"Process {late.Process} wrote {late.Value} under token {late.Token}{stall}; it took effect at index {late.Index}, ") +
            string.Create(CultureInfo.InvariantCulture,
                $"after process {earlier.Process}'s write of {earlier.Value} under the higher token {earlier.Token} at index {earlier.Index}. ") +
            "A paused holder's late write landed after the next holder's: the storage did not fence off the stale token.";
        return new Anomaly(Kind, [earlier.Invocation, earlier.Completion, late.Invocation, late.Completion], text);
    }
}
