using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Ddia.Verify.Checkers;

namespace Ddia.Verify.Harness.Run;

/// <summary>
/// Where a run keeps everything it produces (DESIGN.md §1): <c>store/&lt;test&gt;/&lt;timestamp&gt;/</c> with
/// history.jsonl (streamed as the run goes), test.json (written before the first op, so even a killed run
/// can be checked again), results.json, status.jsonl (each node's status, sampled through the run, when the system
/// reports one), and node logs under logs/; <c>store/latest</c> points at the newest run.
/// </summary>
public sealed class RunStore
{
    public const string HistoryFile = "history.jsonl";
    public const string TestFile = "test.json";
    public const string ResultsFile = "results.json";
    public const string StatusFile = "status.jsonl";
    public const string NodesFile = "nodes.json";

    /// <summary>How a run directory is named: its start, in UTC, to the millisecond (store/&lt;test&gt;/&lt;stamp&gt;).</summary>
    public const string StampFormat = "yyyyMMdd'T'HHmmss.fff'Z'";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private RunStore(string directory) => Directory = directory;

    public string Directory { get; }
    public string HistoryPath => Path.Combine(Directory, HistoryFile);
    public string StatusPath => Path.Combine(Directory, StatusFile);
    public string LogsDirectory => Path.Combine(Directory, "logs");

    /// <summary>Creates a new run directory under <paramref name="root"/> and points <c>root/latest</c> at it.</summary>
    public static RunStore Create(string root, string testName, DateTimeOffset startedAt)
    {
        var stamp = startedAt.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture);
        var directory = Path.GetFullPath(Path.Combine(root, Safe(testName), stamp));
        System.IO.Directory.CreateDirectory(directory);
        PointLatest(root, directory);
        return new RunStore(directory);
    }

    public void WriteTest(TestSpec spec) => File.WriteAllText(Path.Combine(Directory, TestFile), JsonSerializer.Serialize(new
    {
        name = spec.Name,
        nodes = spec.Nodes.Select(n => new { name = n.Name, address = n.Address }),
        nodeCount = spec.Environment is null ? spec.Nodes.Length : spec.NodeCount,
        options = spec.Options,
        concurrency = spec.Workers,
        seed = spec.Seed,
        timeLimitSeconds = spec.TimeLimit.TotalSeconds,
        opTimeoutSeconds = spec.OpTimeout.TotalSeconds,
        check = spec.Check,
        commandLine = spec.CommandLine,
    }, Json));

    /// <summary>The nodes an environment made (their addresses are known only once it is open).</summary>
    public void WriteNodes(IEnumerable<Abstractions.Node> nodes) => File.WriteAllText(Path.Combine(Directory, NodesFile),
        JsonSerializer.Serialize(nodes.Select(n => new { name = n.Name, address = n.Address }), Json));

    /// <summary>Where a node's log file goes: logs/&lt;node&gt;/&lt;name&gt; (the directory is created).</summary>
    public string LogPath(string node, string name)
    {
        var directory = Path.Combine(LogsDirectory, Safe(node));
        System.IO.Directory.CreateDirectory(directory);
        return Path.Combine(directory, Safe(name));
    }

    public void WriteResults(RunOutcome outcome) => File.WriteAllText(Path.Combine(Directory, ResultsFile), JsonSerializer.Serialize(new
    {
        status = outcome.Status,
        validity = outcome.Result?.Validity.Name() ?? Validity.Unknown.Name(),
        error = outcome.Error,
        limitations = outcome.Limitations,
        seed = outcome.Seed,
        ops = outcome.Ops,
        durationSeconds = outcome.Elapsed?.TotalSeconds,
        checkers = outcome.Result is { } r ? Flatten(r) : [],
    }, Json));

    private static object[] Flatten(CheckResult r) =>
    [
        new { checker = r.Checker, validity = r.Validity.Name(), error = r.Error, anomalies = r.Anomalies.Select(a => new { kind = a.Kind, positions = a.Positions, explanation = a.Explanation }) },
        .. r.Children.Values.SelectMany(Flatten),
    ];

    /// <summary>Writes index.html and its plots (Report v1); a report that cannot be drawn never fails the run.</summary>
    public string? WriteReport(TestSpec spec, RunOutcome outcome, Ddia.Verify.History.History history, DateTimeOffset startedAt)
    {
        var logs = System.IO.Directory.Exists(LogsDirectory)
            ? System.IO.Directory.EnumerateFiles(LogsDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => KeyValuePair.Create(Path.GetRelativePath(LogsDirectory, f), Path.GetRelativePath(Directory, f))).ToList()
            : [];
        var options = new List<KeyValuePair<string, string>>
        {
            new("nodes", (spec.Environment is null ? spec.Nodes.Length : spec.NodeCount).ToString(CultureInfo.InvariantCulture)),
            new("concurrency", spec.Workers.ToString(CultureInfo.InvariantCulture)),
            new("time limit", string.Create(CultureInfo.InvariantCulture, $"{spec.TimeLimit.TotalSeconds:0.###} s")),
        };
        options.AddRange(spec.Options.OrderBy(o => o.Key, StringComparer.Ordinal));
        options.AddRange(outcome.Limitations.Select(l => KeyValuePair.Create("unavailable", l)));
        try
        {
            var samples = StatusSampler.Read(StatusPath);
            return Reports.RunReport.Write(new Reports.ReportInput
            {
                TestName = spec.Name,
                StartTime = startedAt,
                Seed = spec.Seed,
                Duration = outcome.Elapsed,
                CommandLine = spec.CommandLine,
                Options = options,
                Status = outcome.Status,
                CrashMessage = outcome.Error,
                History = history,
                Result = outcome.Result,
                HistoryLink = HistoryFile,
                TestJsonLink = TestFile,
                ResultsJsonLink = ResultsFile,
                NodeLogs = logs,
                StatusSamples = samples,
                StatusLink = File.Exists(StatusPath) ? StatusFile : null,
                OtherLinks = File.Exists(Path.Combine(Directory, NodesFile)) ? [new("nodes and addresses", NodesFile)] : [],
            }, Directory).Index;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            File.WriteAllText(Path.Combine(Directory, "report-error.txt"), e.ToString());
            return null;
        }
    }

    public string ReportPath => Path.Combine(Directory, "index.html");

    /// <summary>The check settings a run directory recorded, or defaults when it has no test.json.</summary>
    public static CheckSettings ReadCheckSettings(string runDirectory)
    {
        var path = Path.Combine(runDirectory, TestFile);
        if (!File.Exists(path)) return new CheckSettings();
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        if (!doc.RootElement.TryGetProperty("check", out var check)) return new CheckSettings();
        return check.Deserialize<CheckSettings>(Json) ?? new CheckSettings();
    }

    // Replaces root/latest atomically: a new link under a temporary name, then renamed over the old one.
    private static void PointLatest(string root, string directory)
    {
        var latest = Path.Combine(root, "latest");
        var temporary = latest + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (File.Exists(temporary) || System.IO.Directory.Exists(temporary)) File.Delete(temporary);
        File.CreateSymbolicLink(temporary, Path.GetRelativePath(Path.GetFullPath(root), directory));
        // rename(2) replaces a link atomically; .NET's File.Move treats a link to a directory as a directory.
        if (Rename(temporary, latest) != 0)
            throw new IOException($"cannot point {latest} at {directory}: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}

/// <summary>How a run ended: "ok" (it ran and was checked), "crashed" (setup failed, or the watchdog ended it), or
/// "interrupted" (Ctrl-C: torn down, and what was recorded checked).</summary>
public sealed record RunOutcome(string Status, CheckResult? Result, string? Error, ulong Seed, int Ops)
{
    /// <summary>Faults the environment could not inject, in plain words.</summary>
    public IReadOnlyList<string> Limitations { get; init; } = [];

    /// <summary>How long the run took from its start to the end of checking (null when not measured).</summary>
    public TimeSpan? Elapsed { get; init; }

    /// <summary>Client operations that completed ok (committed transactions, for the transactional workloads).</summary>
    public int OkClientOps { get; init; }
}
