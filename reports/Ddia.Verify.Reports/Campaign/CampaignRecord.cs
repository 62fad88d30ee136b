using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Reports.Campaign;

/// <summary>
/// What one campaign did, kept in the store (<c>STORE/campaigns/&lt;stamp&gt;-&lt;name&gt;.json</c>) so the campaign
/// index can show every earlier campaign and each run's trend across them. <see cref="File"/> is the campaign file, or
/// null for a built-in campaign.
/// </summary>
public sealed record CampaignRecord(string Name, string? File, DateTimeOffset Started, ulong Seed, IReadOnlyList<CampaignRecordRun> Runs)
{
    /// <summary>The format of the record; a reader skips records of a later version it does not know.</summary>
    public int Version { get; init; } = 1;

    [JsonIgnore]
    public int AsExpected => Runs.Count(r => r.Match);
}

/// <summary>
/// One run of a recorded campaign: what it was, what it expected and got (<see cref="Verdict"/> null when it was not
/// checked), whether that matched, how long it took, the p50 and p99 latency in ms of its ok client ops (null without
/// any), and its report relative to the store root.
/// </summary>
public sealed record CampaignRecordRun(
    string Name, string System, string Configuration, string Workload, string Faults, string Expected, string? Verdict, string Got,
    bool Match, string? Mismatch, string Status, double DurationSeconds, double? P50Ms, double? P99Ms, string? Report)
{
    /// <summary>A campaign index row with the latencies of its run.</summary>
    public static CampaignRecordRun From(CampaignEntry entry, double? p50Ms, double? p99Ms)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.Run, entry.System, entry.Configuration, entry.Workload, entry.Faults, entry.Expected, entry.Verdict, entry.Got,
            entry.Mismatch is null, entry.Mismatch, entry.Status, Math.Round(entry.Duration.TotalSeconds, 3), p50Ms, p99Ms, entry.ReportLink);
    }
}

/// <summary>The campaign records of a store: one JSON file per campaign under <c>STORE/campaigns/</c>.</summary>
public static class CampaignRecords
{
    public const string Directory = "campaigns";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Adds <paramref name="record"/> to the store (written beside, then renamed, so a reader never sees half
    /// of it); returns its path.</summary>
    public static string Append(string storeDirectory, CampaignRecord record)
    {
        ArgumentNullException.ThrowIfNull(storeDirectory);
        ArgumentNullException.ThrowIfNull(record);
        var directory = Path.Combine(storeDirectory, Directory);
        System.IO.Directory.CreateDirectory(directory);
        var stamp = record.Started.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        var path = Path.Combine(directory, $"{stamp}-{Safe(record.Name)}.json");
        for (var n = 2; File.Exists(path); n++) path = Path.Combine(directory, $"{stamp}-{Safe(record.Name)}-{n}.json");
        var temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(record, Json));
        File.Move(temporary, path);
        return path;
    }

    /// <summary>Every record in the store, newest first. A file that does not parse (cut short, edited, a later
    /// version) is left out and named in <paramref name="skipped"/>: one bad file must not hide the others.</summary>
    public static IReadOnlyList<CampaignRecord> Read(string storeDirectory, out IReadOnlyList<string> skipped)
    {
        ArgumentNullException.ThrowIfNull(storeDirectory);
        var directory = Path.Combine(storeDirectory, Directory);
        var bad = new List<string>();
        skipped = bad;
        if (!System.IO.Directory.Exists(directory)) return [];
        var records = new List<CampaignRecord>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.json"))
        {
            try
            {
                var record = JsonSerializer.Deserialize<CampaignRecord>(File.ReadAllBytes(file), Json);
                if (record is { Version: 1, Name: not null, Runs: not null } && record.Runs.All(r => r is { Name: not null }))
                    records.Add(record);
                else bad.Add(file);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                bad.Add(file);
            }
        }
        return [.. records.OrderByDescending(r => r.Started)];
    }

    /// <summary>The p50 and p99 latency in ms of the ok client ops in a run directory's history (the run report's
    /// "(all)" row of <see cref="OpCounts"/>); nulls when the run has no history or no ok op.</summary>
    public static (double? P50Ms, double? P99Ms) Latency(string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(runDirectory);
        var path = Path.Combine(runDirectory, "history.jsonl");
        if (!File.Exists(path)) return (null, null);
        try
        {
            var all = OpCounts.ByF(HistoryReader.Read(path, HistoryFormat.Jsonl).History)[^1];
            return (Round(all.P50Ms), Round(all.P99Ms));
        }
        catch (Exception e) when (e is HistoryFormatException or IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }

    private static double? Round(double? ms) => ms is { } v ? Math.Round(v, 3) : null;

    private static string Safe(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.Length == 0 ? "campaign" : sb.ToString();
    }
}
