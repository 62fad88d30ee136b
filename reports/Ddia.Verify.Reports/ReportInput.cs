using Ddia.Verify.Checkers;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports;

/// <summary>
/// Everything the report of one run shows. The harness fills it after the run; a crashed run fills
/// what it has (a partial history, no result). Links are paths relative to the run directory.
/// </summary>
public sealed record ReportInput
{
    public const string StatusOk = "ok";
    public const string StatusCrashed = "crashed";

    public required string TestName { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public ulong Seed { get; init; }

    /// <summary>How long the run took, setup and teardown included (null when not known, as for a history checked offline).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The command that runs this test again with the same seed and knobs (shown for copying, never run).</summary>
    public string? CommandLine { get; init; }

    /// <summary>The options of the test, in the order to show them: system, nodes, concurrency, time limit, nemesis, ….</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; init; } = [];

    /// <summary>How the run ended: "ok", "crashed" (or another word the harness uses, such as "interrupted").</summary>
    public string Status { get; init; } = StatusOk;

    /// <summary>Why the run crashed, when it did.</summary>
    public string? CrashMessage { get; init; }

    /// <summary>The history as recorded; null when the run crashed before recording anything.</summary>
    public HistoryList? History { get; init; }

    /// <summary>The top checker result (composed checkers carry their parts as children); null when the run was not checked.</summary>
    public CheckResult? Result { get; init; }

    public string? HistoryLink { get; init; }

    public string? TestJsonLink { get; init; }

    public string? ResultsJsonLink { get; init; }

    /// <summary>Node log files: display name → path relative to the run directory.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> NodeLogs { get; init; } = [];

    /// <summary>Every node's status, sampled through the run (empty when the system reports none); the replication
    /// lag plot is drawn from them when they carry lastIndex and appliedIndex.</summary>
    public IReadOnlyList<StatusSample> StatusSamples { get; init; } = [];

    /// <summary>The file the status samples were streamed to, when there is one.</summary>
    public string? StatusLink { get; init; }

    /// <summary>Other files of the run to link (label → path relative to the run directory): nodes.json, an EDN export, ….</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OtherLinks { get; init; } = [];
}

/// <summary>The files <see cref="RunReport.Write"/> wrote, as full paths; <paramref name="Timeline"/> null without a history.</summary>
public sealed record ReportFiles(string Index, IReadOnlyList<string> Images, string? Timeline = null);
