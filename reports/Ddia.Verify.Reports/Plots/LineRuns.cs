namespace Ddia.Verify.Reports.Plots;

/// <summary>Where a plotted line must break: a line drawn across a gap (no sample, no value) would invent data.</summary>
internal static class LineRuns
{
    /// <summary>The maximal runs of consecutive items that have a value, in order.</summary>
    public static IEnumerable<List<T>> Of<T>(IEnumerable<T> items, Func<T, bool> hasValue)
    {
        var run = new List<T>();
        foreach (var item in items)
        {
            if (hasValue(item))
            {
                run.Add(item);
                continue;
            }
            if (run.Count > 0) yield return run;
            run = [];
        }
        if (run.Count > 0) yield return run;
    }
}
