using System.Globalization;
using System.Text;
using System.Text.Json;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// <c>check FILE --workload W</c>: the transactional (list-append, rw-register) and invariant
/// checkers, as opposed to the linearizability models of <see cref="LinearizabilityRun"/>.
/// </summary>
public static class WorkloadCheck
{
    public static readonly string[] Workloads = ["list-append", "rw-register", .. InvariantWorkloads.Names];

    public sealed record Request(string Path, string Workload)
    {
        public HistoryFormat? Format { get; init; }
        public IReadOnlyList<string>? Models { get; init; }
        public TimeSpan? Timeout { get; init; }
        public bool WfrKeys { get; init; }
        public bool SequentialKeys { get; init; }
        public bool LinearizableKeys { get; init; }
    }

    public sealed record Outcome(HistoryFile File, string Workload, CheckResult Result);

    public static Outcome Check(Request request, CancellationToken cancellation = default)
    {
        var path = Directory.Exists(request.Path) ? System.IO.Path.Combine(request.Path, Run.RunStore.HistoryFile) : request.Path;
        var checker = Create(request);
        var file = HistoryReader.Read(path, request.Format, new EdnOptions());
        try
        {
            var result = checker.Check(file.History, new CheckOptions { Timeout = request.Timeout }, cancellation);
            return new Outcome(file, request.Workload, result);
        }
        catch (CheckerInputException e)
        {
            throw new UsageException($"{file.Where(e.Position)}: {e.Message}");
        }
    }

    private static IChecker Create(Request r)
    {
        var options = new TxnCheckOptions
        {
            ConsistencyModels = r.Models ?? ["strict-serializable"],
            WfrKeys = r.WfrKeys,
            SequentialKeys = r.SequentialKeys,
            LinearizableKeys = r.LinearizableKeys,
        };
        try
        {
            return r.Workload switch
            {
                "list-append" => new TransactionalChecker(TxnWorkload.ListAppend, options),
                "rw-register" => new TransactionalChecker(TxnWorkload.RwRegister, options),
                _ => InvariantWorkloads.Create(r.Workload)
                     ?? throw new UsageException($"--workload: unknown workload '{r.Workload}'; expected one of {string.Join(", ", Workloads)}"),
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--consistency-models: {e.Message}");
        }
    }

    public static string Human(Outcome o)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var f = o.File;
        sb.AppendLine(inv, $"history   {f.Path} ({HistoryReader.FormatName(f.Format)}, {f.History.Count} events)");
        sb.AppendLine(inv, $"workload  {o.Workload}");
        var r = o.Result;
        if (r.Detail is TxnCheckResult t)
        {
            sb.AppendLine(inv, $"models    {string.Join(", ", t.Models.Select(m => $"{m} ({Holds(t.VerdictFor(m))})"))}");
            sb.AppendLine(inv, $"verdict   {Verdict(r.Validity, r.Error)}");
            sb.AppendLine(inv, $"checked   {t.Stats.Ok} ok, {t.Stats.Info} info, {t.Stats.Fail} failed transactions; {t.Stats.Edges} dependency edges; " +
                               $"{t.Stats.Components} cyclic components; {Ms(t.Stats.Infer + t.Stats.Graph + t.Stats.Cycles)}");
            sb.AppendLine(inv, $"anomalies {(t.AnomalyTypes.Count == 0 ? "none" : string.Join(", ", t.AnomalyTypes))}");
            if (t.Not.Count > 0)
            {
                sb.AppendLine(inv, $"not       {string.Join(", ", t.Not)}");
                sb.AppendLine(inv, $"also not  {string.Join(", ", t.AlsoNot)}");
            }
        }
        else
        {
            sb.AppendLine(inv, $"verdict   {Verdict(r.Validity, r.Error)}");
        }
        foreach (var group in r.Anomalies.GroupBy(a => a.Kind))
        {
            sb.AppendLine();
            var shown = group.Take(5).ToList();
            sb.AppendLine(inv, $"{group.Key} ({group.Count()}{(group.Count() > shown.Count ? $", first {shown.Count} shown" : "")})");
            foreach (var a in shown)
            {
                var where = a.Positions.Length > 0 ? $"  at {string.Join(", ", a.Positions.Select(f.Where))}" : "";
                sb.AppendLine(inv, $"{where}");
                foreach (var line in a.Explanation.Split('\n')) sb.AppendLine(inv, $"  {line}");
            }
        }
        return sb.ToString();
    }

    public static string Json(Outcome o)
    {
        var r = o.Result;
        var t = r.Detail as TxnCheckResult;
        var doc = new Dictionary<string, object?>
        {
            ["file"] = o.File.Path,
            ["workload"] = o.Workload,
            ["valid"] = r.Validity.Name(),
            ["error"] = r.Error,
            ["anomaly-types"] = r.Anomalies.Select(a => a.Kind).Distinct().ToArray(),
            ["not"] = t?.Not,
            ["also-not"] = t?.AlsoNot,
            ["anomalies"] = r.Anomalies.Select(a => new Dictionary<string, object?>
            {
                ["kind"] = a.Kind,
                ["lines"] = a.Positions.Select(p => o.File.Lines.Length > p ? o.File.Lines[p] : -1).ToArray(),
                ["explanation"] = a.Explanation,
            }).ToArray(),
        };
        return JsonSerializer.Serialize(doc, Indented);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string Holds(Validity v) => v switch
    {
        Validity.Valid => "holds",
        Validity.Invalid => "ruled out",
        _ => "undecided",
    };

    private static string Verdict(Validity v, string? error) => v switch
    {
        Validity.Valid => "VALID",
        Validity.Invalid => "INVALID",
        _ => $"UNKNOWN: {error}",
    };

    private static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0.#} ms");
}
