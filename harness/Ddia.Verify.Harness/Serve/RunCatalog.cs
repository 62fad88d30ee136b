using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.Reports.Campaign;

namespace Ddia.Verify.Harness.Serve;

/// <summary>The runs a store holds, read from its directories: <c>store/&lt;test&gt;/&lt;stamp&gt;/</c> (RunStore's layout).</summary>
public static class RunCatalog
{
    /// <summary>What a run without results.json is: still running, or killed before it could write one.</summary>
    public const string Incomplete = "incomplete";

    /// <summary>
    /// Every run directory under <paramref name="storeRoot"/> (<c>&lt;test&gt;/&lt;stamp&gt;/</c> holding test.json or
    /// history.jsonl), newest first. Verdict and status come from results.json when there is one (else no verdict and
    /// status "incomplete"); the start from the stamp; the duration as results.json recorded it (durationSeconds), or for
    /// runs written before it was recorded, from the stamp to results.json's last write (setup, ops, teardown and check). Skips <c>latest</c>, symbolic links and anything unreadable: never throws for a bad
    /// run directory, and returns nothing for a store that does not exist.
    /// </summary>
    public static IReadOnlyList<StoredRun> Scan(string storeRoot)
    {
        ArgumentNullException.ThrowIfNull(storeRoot);
        var runs = new List<StoredRun>();
        foreach (var test in Subdirectories(storeRoot))
        {
            if (test.Name == "latest") continue;
            foreach (var run in Subdirectories(test.FullName))
                if (Read(test.Name, run) is { } stored) runs.Add(stored);
        }
        return [.. runs.OrderByDescending(r => r.Started).ThenBy(r => r.Test, StringComparer.Ordinal).ThenBy(r => r.Directory, StringComparer.Ordinal)];
    }

    private static List<DirectoryInfo> Subdirectories(string path)
    {
        try
        {
            // Links are left out: a store's runs are its own directories (latest is the only link RunStore makes).
            return new DirectoryInfo(path).EnumerateDirectories().Where(d => d.LinkTarget is null).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return [];
        }
    }

    private static StoredRun? Read(string test, DirectoryInfo run)
    {
        try
        {
            var testJson = new FileInfo(Path.Combine(run.FullName, RunStore.TestFile));
            var history = new FileInfo(Path.Combine(run.FullName, RunStore.HistoryFile));
            if (!testJson.Exists && !history.Exists) return null;

            var started = DateTimeOffset.TryParseExact(run.Name, RunStore.StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp)
                ? stamp
                : new DateTimeOffset((testJson.Exists ? testJson : history).LastWriteTimeUtc, TimeSpan.Zero);   // a renamed directory
            var (verdict, status, finished, recorded) = Results(Path.Combine(run.FullName, RunStore.ResultsFile));
            var duration = recorded ?? (finished is { } f && f >= started ? f - started : null);
            var hasReport = File.Exists(Path.Combine(run.FullName, "index.html"));
            return new StoredRun(test, started, verdict, status, duration, test + "/" + run.Name, hasReport);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return null;
        }
    }

    private static (string? Verdict, string Status, DateTimeOffset? Finished, TimeSpan? Duration) Results(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return (null, Incomplete, null, null);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var doc = JsonDocument.Parse(stream);
            var root = doc.RootElement;
            var verdict = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("validity", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var status = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            TimeSpan? duration = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("durationSeconds", out var d) && d.ValueKind == JsonValueKind.Number
                && d.GetDouble() is >= 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null;
            return (verdict, status ?? "unknown", new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), duration);
        }
        catch (JsonException)
        {
            // Half written, or not ours: the run is listed, without a verdict.
            return (null, "unreadable results.json", null, null);
        }
    }
}
