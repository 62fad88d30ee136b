using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.Harness.Run;

namespace Ddia.Verify.Harness.Compose;

/// <summary>
/// One run of a campaign and what it must come to: a verdict, the anomalies it must find (<see cref="Finds"/>) and
/// those it must never find (<see cref="NeverFinds"/>). An anomaly name matches its own kind and the kinds that
/// refine it with a suffix: "G-single" matches G-single-item and G-single-item-realtime, "G2-item" matches
/// G2-item-process.
/// </summary>
public sealed record CampaignRun(string Name, RunOptions Options, Validity Expected, string Why)
{
    public ImmutableArray<string> Finds { get; init; } = [];

    public ImmutableArray<string> NeverFinds { get; init; } = [];

    /// <summary>Client ops that must complete ok for the verdict to count: "valid" over too few transactions proves little.</summary>
    public int MinOk { get; init; }

    /// <summary>"invalid: G2-item; never G0, G1a" — the expectation in one line.</summary>
    public string Expectation =>
        Expected.Name()
        + (Finds.IsEmpty ? "" : ": " + string.Join(", ", Finds))
        + (NeverFinds.IsEmpty ? "" : "; never " + string.Join(", ", NeverFinds))
        + (MinOk > 0 ? string.Create(CultureInfo.InvariantCulture, $"; over ≥ {MinOk:N0} ok ops") : "");

    /// <summary>Why <paramref name="outcome"/> is not what this run expects, or null when it is.</summary>
    public string? Mismatch(RunOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Status != "ok") return $"the run {outcome.Status}";
        if (outcome.Result is not { } result) return "no verdict";
        var kinds = result.Anomalies.Select(a => a.Kind).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        if (result.Validity != Expected) problems.Add($"verdict {result.Validity.Name()}, expected {Expected.Name()}");
        var missing = Finds.Where(name => !kinds.Any(k => Matches(name, k))).ToList();
        if (missing.Count > 0) problems.Add("not found: " + string.Join(", ", missing));
        var forbidden = kinds.Where(k => NeverFinds.Any(name => Matches(name, k))).Order(StringComparer.Ordinal).ToList();
        if (forbidden.Count > 0) problems.Add("found: " + string.Join(", ", forbidden));
        if (outcome.OkClientOps < MinOk)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"only {outcome.OkClientOps:N0} ok ops, expected at least {MinOk:N0}"));
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Whether an anomaly of <paramref name="kind"/> is one named <paramref name="name"/>.</summary>
    public static bool Matches(string name, string kind) =>
        kind == name || ConsistencyModels.IsImpliedBy(name, [kind]);
}
