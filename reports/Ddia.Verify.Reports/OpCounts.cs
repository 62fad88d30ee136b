using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports;

/// <summary>
/// How the client ops of one f ended (<see cref="OpCounts.All"/> for every f together): invocations, ok, fail, info
/// (never completed included, as the history contract says), and the latency quantiles of the ok ones.
/// </summary>
public sealed record OpCountRow(string F, int Invocations, int Ok, int Fail, int Info, int NeverCompleted, double? P50Ms, double? P99Ms)
{
    /// <summary>The share of invocations that succeeded: what a user of the system saw as "up" (null with none).</summary>
    public double? Availability => Invocations == 0 ? null : (double)Ok / Invocations;
}

public static class OpCounts
{
    public const string All = "(all)";

    /// <summary>One row per f in name order, then the <see cref="All"/> row.</summary>
    public static IReadOnlyList<OpCountRow> ByF(HistoryList history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var byF = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var all = new Tally();
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (!op.IsClient || !op.IsInvoke) continue;
            if (!byF.TryGetValue(op.F, out var tally)) byF[op.F] = tally = new Tally();
            var c = history.CompletionOf(i);
            var latency = c >= 0 && op.Time >= 0 && history[c].Time >= op.Time ? (history[c].Time - op.Time) / 1e6 : (double?)null;
            var outcome = history.OutcomeOf(i);
            tally.Add(outcome, c < 0, latency);
            all.Add(outcome, c < 0, latency);
        }
        return [.. byF.Select(e => e.Value.Row(e.Key)), all.Row(All)];
    }

    private sealed class Tally
    {
        private readonly List<double> okLatencies = [];
        private int invocations, ok, fail, info, open;

        public void Add(OpType outcome, bool neverCompleted, double? latencyMs)
        {
            invocations++;
            if (neverCompleted) open++;
            switch (outcome)
            {
                case OpType.Ok:
                    ok++;
                    if (latencyMs is { } l) okLatencies.Add(l);
                    break;
                case OpType.Fail: fail++; break;
                default: info++; break;
            }
        }

        public OpCountRow Row(string f)
        {
            okLatencies.Sort();
            return new OpCountRow(f, invocations, ok, fail, info, open, Quantile(okLatencies, 0.5), Quantile(okLatencies, 0.99));
        }
    }

    /// <summary>The nearest-rank quantile of sorted values (null for none).</summary>
    internal static double? Quantile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
