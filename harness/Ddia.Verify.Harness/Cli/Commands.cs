using System.CommandLine;
using System.Globalization;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// The command line. Parse errors and bad input exit 254 with a message that names what is wrong;
/// anything unexpected exits 255 with the exception, so a crash is never mistaken for a verdict.
/// </summary>
public static class Commands
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var root = new RootCommand("Ddia.Verify: Jepsen-style correctness testing: run tests on real clusters under faults, check histories.");
        root.Subcommands.Add(CheckCommand(stdout, stderr));
        root.Subcommands.Add(CorpusCommand(stdout, stderr));
        root.Subcommands.Add(RunCommand.Create(stdout));
        root.Subcommands.Add(CampaignCommand.Create(stdout));
        root.Subcommands.Add(ServeCommand.Create(stdout));
        root.Subcommands.Add(CleanCommand(stdout));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) stderr.WriteLine($"error: {error.Message}");
            stderr.WriteLine("see 'ddia-verify --help'");
            return ExitCodes.BadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException or HistoryFormatException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"internal error: {e}");
            return ExitCodes.InternalError;
        }
    }

    private static Command CheckCommand(TextWriter stdout, TextWriter stderr)
    {
        var path = new Argument<string>("history") { Description = "History file (JSON Lines, Jepsen EDN, a JSON array, or a Porcupine log), or a run directory (store/<test>/<time>, or store/latest)" };
        var model = new Option<string?>("--model", "-m") { Description = "Model: register, cas-register, multi-register, kv, kv-map, mutex, set, fifo-queue, unordered-queue (inferred from the ops when left out)" };
        var format = new Option<string?>("--format") { Description = $"Input format, when detection from content is not wanted: {string.Join(", ", HistoryReader.FormatNames)}" };
        var initial = new Option<string?>("--initial-value") { Description = "The model's initial state, as EDN or JSON: 0, nil, {:x 0 :y 0}. Default nil" };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds before the check gives up and says unknown. Default: none" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var allKeys = new Option<bool>("--all-keys") { Description = "Keep checking the other keys after one fails, to list every failing key" };
        var independent = new Option<bool>("--independent") { Description = "EDN values are Jepsen independent tuples [k v]: check each key on its own" };
        var workload = new Option<string?>("--workload", "-w") { Description = $"Check a workload instead of a linearizability model: {string.Join(", ", WorkloadCheck.Workloads)}" };
        var models = new Option<string?>("--consistency-models") { Description = "list-append, rw-register: comma-separated models the history must satisfy (default strict-serializable), e.g. serializable,snapshot-isolation" };
        var wfr = new Option<bool>("--wfr-keys") { Description = "rw-register: within a transaction, a write follows the read before it on the same key" };
        var sequential = new Option<bool>("--sequential-keys") { Description = "rw-register: each process sees each key's versions in order" };
        var linearizable = new Option<bool>("--linearizable-keys") { Description = "rw-register: each key is linearizable" };
        var command = new Command("check", "Check a history: linearizability (--model), or a workload's checker (--workload). Exit 0 valid, 1 invalid, 2 unknown, 254 bad input, 255 internal error.")
        {
            path, model, format, initial, timeout, json, allKeys, independent, workload, models, wfr, sequential, linearizable,
        };
        command.SetAction(parse =>
        {
            HistoryFormat? fmt = null;
            if (parse.GetValue(format) is { } name)
            {
                if (!HistoryReader.TryParseFormatName(name, out var f))
                    throw new UsageException($"--format: unknown format '{name}'; expected one of {string.Join(", ", HistoryReader.FormatNames)}");
                fmt = f;
            }
            var seconds = parse.GetValue(timeout);
            if (seconds is { } sec && !(double.IsFinite(sec) && sec > 0 && sec <= 1e7))
                throw new UsageException("--timeout: must be a positive number of seconds (at most 10^7)");
            if (parse.GetValue(workload) is { } w)
            {
                if (parse.GetValue(model) is not null) throw new UsageException("--model and --workload exclude each other: a model checks linearizability, a workload its own invariants");
                var wr = new WorkloadCheck.Request(parse.GetValue(path)!, w)
                {
                    Format = fmt,
                    Models = parse.GetValue(models)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    Timeout = seconds is { } ws ? TimeSpan.FromSeconds(ws) : null,
                    WfrKeys = parse.GetValue(wfr),
                    SequentialKeys = parse.GetValue(sequential),
                    LinearizableKeys = parse.GetValue(linearizable),
                };
                var o = WorkloadCheck.Check(wr);
                foreach (var warning in o.File.Warnings) stderr.WriteLine($"warning: {warning}");
                stdout.Write(parse.GetValue(json) ? WorkloadCheck.Json(o) + Environment.NewLine : WorkloadCheck.Human(o));
                return ExitCodes.Of(o.Result.Validity);
            }
            if (parse.GetValue(models) is not null) throw new UsageException("--consistency-models needs --workload list-append or rw-register");
            var request = new CheckRequest(parse.GetValue(path)!)
            {
                Model = parse.GetValue(model),
                Format = fmt,
                InitialValue = parse.GetValue(initial),
                Timeout = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                AllKeys = parse.GetValue(allKeys),
                Independent = parse.GetValue(independent),
            };
            var outcome = LinearizabilityRun.Check(request);
            foreach (var warning in outcome.File.Warnings) stderr.WriteLine($"warning: {warning}");
            stdout.Write(parse.GetValue(json) ? CheckReport.Json(outcome) + Environment.NewLine : CheckReport.Human(outcome));
            return ExitCodes.Of(outcome.Result.Validity);
        });
        return command;
    }

    private static Command CleanCommand(TextWriter stdout)
    {
        var command = new Command("clean", "Remove what runs killed with SIGKILL left behind (namespaces, bridges, firewall rules, node processes). Every run also does this when it starts.");
        command.SetAction(_ =>
        {
            var removed = Environments.Local.LocalEnvironment.SweepLeftoversAsync().GetAwaiter().GetResult();
            stdout.WriteLine(removed == 0 ? "nothing left behind by earlier runs" : $"removed what {removed} dead run(s) left behind");
            return 0;
        });
        return command;
    }

    private static Command CorpusCommand(TextWriter stdout, TextWriter stderr)
    {
        var dir = new Option<string>("--corpora") { Description = "The corpora folder (with porcupine/ and knossos/ and their MANIFEST.tsv)", DefaultValueFactory = _ => "../shared/corpora" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds allowed per history", DefaultValueFactory = _ => 60 };
        var command = new Command("corpus", "Check every history of the public corpora against the verdict its manifest gives; print the table. Exit 0 when all agree.")
        {
            dir, timeout,
        };
        command.SetAction(parse =>
        {
            var cases = Corpus.Load(parse.GetValue(dir)!);
            var width = cases.Max(c => c.Name.Length);
            stdout.WriteLine(CorpusTable.Header(width));
            var rows = CorpusTable.Run(cases, TimeSpan.FromSeconds(parse.GetValue(timeout)), r => stdout.WriteLine(CorpusTable.Line(r, width)));
            stdout.WriteLine(CorpusTable.Summary(rows));
            return rows.All(r => r.Agrees) ? 0 : ExitCodes.Invalid;
        });
        return command;
    }
}
