using System.Globalization;
using Ddia.Verify.Checkers;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Cli;

/// <summary>One corpus case checked: what was expected, what we got, and how long the check took.</summary>
public sealed record CorpusRow(CorpusCase Case, Validity? Got, double CheckMs, string? Error)
{
    public bool Agrees => Error is null && (Case.ExpectedValidity is null || Case.ExpectedValidity == Got);
}

/// <summary>Checks every corpus history and prints the table (file, expected, got, ms).</summary>
public static class CorpusTable
{
    public static IReadOnlyList<CorpusRow> Run(IEnumerable<CorpusCase> cases, TimeSpan timeout, Action<CorpusRow>? onRow = null)
    {
        var rows = new List<CorpusRow>();
        foreach (var c in cases)
        {
            CorpusRow row;
            try
            {
                var outcome = LinearizabilityRun.Check(new CheckRequest(c.Path) { Model = c.Model, InitialValue = c.InitialValue, Timeout = timeout });
                row = new CorpusRow(c, outcome.Result.Validity, outcome.Result.Elapsed.TotalMilliseconds, null);
            }
            catch (Exception e) when (e is UsageException or Ddia.Verify.History.HistoryFormatException)
            {
                row = new CorpusRow(c, null, 0, e.Message);
            }
            rows.Add(row);
            onRow?.Invoke(row);
        }
        return rows;
    }

    public static string Header(int width) => $"{"file".PadRight(width)}  {"model",-15} {"expected",-10} {"got",-10} {"ms",9}";

    public static string Line(CorpusRow r, int width)
    {
        var expected = r.Case.ExpectedValidity?.Name() ?? "n/a";
        var got = r.Error is null ? r.Got!.Value.Name() : "error";
        var mark = r.Agrees ? "" : "   <-- DISAGREES" + (r.Error is null ? "" : $": {r.Error}");
        return $"{r.Case.Name.PadRight(width)}  {r.Case.Model,-15} {expected,-10} {got,-10} {r.CheckMs.ToString("0.00", CultureInfo.InvariantCulture),9}{mark}";
    }

    public static string Summary(IReadOnlyList<CorpusRow> rows)
    {
        var disagree = rows.Count(r => !r.Agrees);
        var total = rows.Sum(r => r.CheckMs);
        var byCorpus = rows.GroupBy(r => r.Case.Corpus)
            .Select(g => $"{g.Key} {g.Sum(r => r.CheckMs).ToString("0", CultureInfo.InvariantCulture)} ms");
        return $"{rows.Count} histories, {disagree} disagreements; check time {total.ToString("0", CultureInfo.InvariantCulture)} ms ({string.Join(", ", byCorpus)})";
    }
}
