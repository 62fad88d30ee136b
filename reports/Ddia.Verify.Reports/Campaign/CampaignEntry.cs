namespace Ddia.Verify.Reports.Campaign;

/// <summary>
/// One run of a campaign as the index shows it. <paramref name="Verdict"/>: "valid", "invalid", "unknown", or null
/// when the run was not checked. <paramref name="Mismatch"/>: null when the run got what it expected, else why not.
/// <paramref name="Status"/>: "ok", "crashed", "interrupted". <paramref name="ReportLink"/>: the run's report, relative
/// to the store root ("leader-sync/20261206T101500.123Z/index.html"), or null.
/// </summary>
public sealed record CampaignEntry(
    string Run, string System, string Configuration, string Workload, string Faults, string Expected, string? Verdict, string Got,
    string? Mismatch, string Status, TimeSpan Duration, string? ReportLink);

/// <summary>
/// A run found in the store (any run, campaign or not). <paramref name="Directory"/> is relative to the store root
/// ("leader-sync/20261206T101500.123Z"), with forward slashes. <paramref name="Verdict"/> is null when the run has no
/// results.json; <paramref name="Duration"/> null when it is not known.
/// </summary>
public sealed record StoredRun(string Test, DateTimeOffset Started, string? Verdict, string Status, TimeSpan? Duration, string Directory, bool HasReport);

/// <summary>One entry of a directory listing: a file or a subdirectory.</summary>
public sealed record ListedEntry(string Name, bool IsDirectory, long? Length, DateTimeOffset Modified);

/// <summary>
/// Where a list of stored runs links to. Each run's directory is appended to <paramref name="Files"/> (for its report
/// and its files) and to <paramref name="Zip"/> (for a download); no zip link when <paramref name="Zip"/> is null.
/// Both are relative paths ("" for a page at the store root, "files/" under the server).
/// </summary>
public sealed record RunLinks(string Files, string? Zip);
