using System.CommandLine;
using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.Harness.Serve;
using Ddia.Verify.Harness.Terminal;
using Ddia.Verify.Reports.Campaign;
using Spectre.Console;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// <c>ddia-verify campaign [FILE]</c>: the default campaign (<see cref="DefaultCampaign"/>; with <c>--validation</c>, the
/// known results of third-party systems, <see cref="ValidationCampaign"/>; with a FILE, its runs, <see cref="CampaignFile"/>),
/// one run after another, then a table of run, system, configuration, workload, faults, expectation (verdict and the
/// anomalies it must and must not find), what it got, and report, on the terminal and as Markdown in
/// <c>STORE/campaign.md</c> (README's table); the campaign's record <c>STORE/campaigns/&lt;stamp&gt;-&lt;name&gt;.json</c>
/// (<see cref="CampaignRecords"/>: each run's outcome and latency); the campaign index <c>STORE/index.html</c> (these
/// runs, every recorded campaign and each run's trend across them, then every run in the store) and
/// <c>STORE/junit.xml</c>. Exit 0 when every run got what it expected, 1 otherwise, 130 when interrupted.
/// </summary>
internal static class CampaignCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string?>("file") { Description = "A campaign file (YAML; campaigns/README.md): its entries, expanded over their matrix axes, instead of the default campaign", Arity = ArgumentArity.ZeroOrOne };
        var store = new Option<string>("--store") { Description = "Where runs are kept", DefaultValueFactory = _ => "store" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the first run (the others use the next seeds); overrides a campaign file's seed" };
        var nodeProgram = new Option<string?>("--node-program") { Description = "Path to ddia-node.dll (./ddia-verify sets it)" };
        var only = new Option<string?>("--only") { Description = "Run only the campaign runs of these comma-separated names (or, for a name no run has, those whose name contains it)" };
        var validation = new Option<bool>("--validation") { Description = "Run the validation campaign instead: known results of real third-party systems (etcd, PostgreSQL) that must be reproduced" };
        var environment = new Option<string?>("--env") { Description = "Run every run of the campaign there: local, docker or ssh (default: each run's own, local unless a campaign file says otherwise)" };
        var nodesFile = new Option<string?>("--nodes-file") { Description = "ssh: the hosts of the runs on --env ssh (one 'host port user keyfile' per line)" };
        var knownHosts = new Option<string?>("--ssh-known-hosts") { Description = "ssh: the known_hosts file host keys are checked against (default ~/.ssh/known_hosts)" };
        var strictHostKeys = new Option<bool?>("--ssh-strict-host-key-checking") { Description = "ssh: verify host keys (true, the default) or accept any (false)" };
        var command = new Command("campaign", "Run a campaign (the default one: every reference system, correct and textbook-broken, under faults; or a campaign FILE); writes STORE/campaign.md, a record under STORE/campaigns/, the campaign index STORE/index.html (with every earlier campaign and each run's trend) and STORE/junit.xml.")
        {
            file, store, seed, nodeProgram, only, validation, environment, nodesFile, knownHosts, strictHostKeys,
        };
        command.SetAction(parse =>
        {
            var console = Consoles.For(stdout);
            var path = parse.GetValue(file);
            if (path is not null && parse.GetValue(validation)) throw new UsageException("--validation: runs the built-in validation campaign; leave it out to run a campaign file");
            var campaignFile = path is null ? null : CampaignFile.Load(path);
            var first = parse.GetValue(seed) ?? campaignFile?.Seed ?? (ulong)Random.Shared.NextInt64();
            var campaign = campaignFile?.Campaign(first) ?? (parse.GetValue(validation) ? ValidationCampaign.Runs(first) : DefaultCampaign.Runs(first));
            var name = campaignFile?.Name ?? (parse.GetValue(validation) ? "validation" : "default");
            var runs = Selected(campaign, parse.GetValue(only))
                .Select(r => r with
                {
                    Options = OnEnvironment(r.Options, parse.GetValue(environment), parse.GetValue(nodesFile), parse.GetValue(knownHosts), parse.GetValue(strictHostKeys)) with
                    {
                        Name = r.Name,
                        Store = parse.GetValue(store)!,
                        NodeProgram = parse.GetValue(nodeProgram),
                        Loopback = r.Options.Loopback || TestComposer.NamespacesUnavailable() is not null,
                    },
                })
                .ToList();
            if (runs.Count == 0) throw new UsageException("--only: no campaign run matches");
            // A file's run that cannot be composed (a workload its system lacks, a missing program) fails now, with its
            // line, not after the runs before it.
            if (campaignFile is not null) Compose(campaignFile, runs);
            console.MarkupLine($"campaign [bold]{Markup.Escape(name)}[/]{(path is null ? "" : $" ({Markup.Escape(path)})")}: {runs.Count} runs, seed [bold]{first}[/]");

            var started = DateTimeOffset.UtcNow;
            var rows = new List<(CampaignRun Run, RunOutcome Outcome, string? Mismatch, string Report)>();
            foreach (var run in runs)
            {
                console.Write(new Rule($"[bold]{Markup.Escape(run.Name)}[/]: expect {Markup.Escape(run.Expectation)}").LeftJustified());
                if (run.Why.Length > 0) console.MarkupLine($"[grey]{Markup.Escape(run.Why)}[/]");
                var outcome = RunCommand.Execute(run.Options, console, out var report);
                rows.Add((run, outcome, run.Mismatch(outcome), report));
                if (outcome.Status == "interrupted") break;
            }

            var lines = rows.Select(r => CampaignLine.Of(r.Run, r.Outcome, r.Mismatch, r.Report)).ToList();
            console.Write(CampaignLine.Table(lines));
            var markdown = Path.Combine(parse.GetValue(store)!, "campaign.md");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdown))!);
            File.WriteAllText(markdown, CampaignLine.Markdown(lines));
            console.MarkupLine($"table as Markdown: [blue]{Markup.Escape(markdown)}[/]");
            var storeRoot = Path.GetFullPath(parse.GetValue(store)!);
            var entries = rows.Select((r, i) => lines[i].Entry(r.Outcome, storeRoot)).ToList();
            var record = new CampaignRecord(name, path, started, first, [.. rows.Select((r, i) =>
            {
                var (p50, p99) = CampaignRecords.Latency(Path.GetDirectoryName(Path.GetFullPath(r.Report))!);
                return CampaignRecordRun.From(entries[i], p50, p99);
            })]);
            var recorded = CampaignRecords.Append(storeRoot, record);
            var campaigns = CampaignRecords.Read(storeRoot, out var skipped);
            foreach (var bad in skipped) console.MarkupLine($"[yellow]campaign record left out (unreadable):[/] {Markup.Escape(bad)}");
            var title = path is not null ? $"ddia-verify campaign {path}" : parse.GetValue(validation) ? "ddia-verify campaign --validation" : "ddia-verify campaign";
            var (index, junit) = CampaignIndex.Write(storeRoot, title, started, entries, RunCatalog.Scan(storeRoot), campaigns);
            console.MarkupLine($"campaign index: [blue]{Markup.Escape(index)}[/]   JUnit: [blue]{Markup.Escape(junit)}[/]   record: [blue]{Markup.Escape(recorded)}[/]");
            if (rows.Any(r => r.Outcome.Status == "interrupted")) return RunCommand.Interrupted;
            return rows.Count == runs.Count && rows.All(r => r.Mismatch is null) ? 0 : ExitCodes.Invalid;
        });
        return command;
    }

    /// <summary>The run on <paramref name="environment"/> when one is given (<c>make run ENV=docker</c>); the ssh settings
    /// go to the runs that end up on ssh.</summary>
    private static RunOptions OnEnvironment(RunOptions options, string? environment, string? nodesFile, string? knownHosts, bool? strictHostKeys)
    {
        var placed = environment is null ? options : options with { Environment = environment };
        return placed.Environment != "ssh"
            ? placed
            : placed with
            {
                NodesFile = nodesFile ?? placed.NodesFile,
                SshKnownHosts = knownHosts ?? placed.SshKnownHosts,
                SshStrictHostKeyChecking = strictHostKeys ?? placed.SshStrictHostKeyChecking,
            };
    }

    /// <summary>Composes every run of a campaign file as <c>run</c> would, so that an option its system rejects is an
    /// error naming the file and line before anything runs.</summary>
    private static void Compose(CampaignFile file, IReadOnlyList<CampaignRun> runs)
    {
        foreach (var run in runs)
        {
            try
            {
                TestComposer.Compose(run.Options, out _);
            }
            catch (UsageException e)
            {
                throw new UsageException($"{file.Where(run.Name)}: run '{run.Name}': {e.Message}");
            }
        }
    }

    /// <summary>For each comma-separated name of <paramref name="only"/>: the run of that name (2pc-bank alone, not also
    /// 2pc-bank-coordinator-crash), else the runs whose name contains it; campaign order, each run once. Every run
    /// without a filter.</summary>
    internal static IEnumerable<CampaignRun> Selected(IReadOnlyList<CampaignRun> runs, string? only)
    {
        if (only is null) return runs;
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var exact = runs.Where(r => r.Name == name).ToList();
            chosen.UnionWith((exact.Count > 0 ? exact : runs.Where(r => r.Name.Contains(name, StringComparison.Ordinal))).Select(r => r.Name));
        }
        return runs.Where(r => chosen.Contains(r.Name));
    }
}

/// <summary>One row of the campaign table: configuration × faults → expected and got, as plain text.</summary>
internal sealed record CampaignLine(
    string Run, string System, string Configuration, string Workload, string Faults, string Expected, Validity? Verdict, string Got, string? Mismatch, string Report)
{
    public static CampaignLine Of(CampaignRun run, RunOutcome outcome, string? mismatch, string report)
    {
        var o = run.Options;
        var got = outcome.Result is { } r ? r.Validity.Name() : "-";
        if (outcome.Result is { Anomalies.IsEmpty: false } found)
        {
            var kinds = string.Join(", ", found.Anomalies.Select(a => a.Kind).Distinct().Order(StringComparer.Ordinal).Take(6));
            // A valid result can still report what its system does not promise (stale reads of an eventually consistent set).
            got += found.Validity == Validity.Valid ? $" (reported: {kinds})" : ": " + kinds;
        }
        // "valid" means little over a handful of transactions: say how many there were where the run asks for many.
        if (run.MinOk > 0) got += string.Create(CultureInfo.InvariantCulture, $" over {outcome.OkClientOps:N0} ok ops");
        if (outcome.Status != "ok") got += $" ({outcome.Status})";
        var faults = o.Nemesis.IsDefaultOrEmpty ? "none" : string.Join(", ", o.Nemesis);
        if (!o.Partitions.IsDefaultOrEmpty) faults += $" ({string.Join(", ", o.Partitions)} partitions)";
        if (o.Scenario is { } scenario) faults += $" ({scenario} scenario)";
        return new(run.Name, o.System, o.Configuration, o.Workload, faults, run.Expectation, outcome.Result?.Validity, got, mismatch, report);
    }

    /// <summary>The row as the campaign index shows it: the report linked relative to the store root.</summary>
    public CampaignEntry Entry(RunOutcome outcome, string storeRoot)
    {
        var report = Path.GetRelativePath(storeRoot, Path.GetFullPath(Report)).Replace('\\', '/');
        return new CampaignEntry(Run, System, Configuration, Workload, Faults, Expected, Verdict?.Name(), Got, Mismatch, outcome.Status,
            outcome.Elapsed ?? TimeSpan.Zero, report.StartsWith("..", StringComparison.Ordinal) ? null : report);
    }

    public static Table Table(IEnumerable<CampaignLine> lines)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]campaign[/]");
        table.AddColumns("run", "system", "configuration", "workload", "faults", "expected", "got", "", "report");
        foreach (var l in lines)
        {
            var got = l.Verdict is { } v ? $"[{VerdictTable.Colour(v)}]{Markup.Escape(l.Got)}[/]" : Markup.Escape(l.Got);
            table.AddRow(Markup.Escape(l.Run), Markup.Escape(l.System), Markup.Escape(l.Configuration), Markup.Escape(l.Workload), Markup.Escape(l.Faults),
                Markup.Escape(l.Expected), got, l.Mismatch is null ? "[green]as expected[/]" : $"[red]NOT as expected[/]: {Markup.Escape(l.Mismatch)}",
                Markup.Escape(l.Report));
        }
        return table;
    }

    /// <summary>The same table in Markdown, without the report paths (they are this machine's).</summary>
    public static string Markdown(IEnumerable<CampaignLine> lines)
    {
        static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
        var sb = new StringBuilder();
        sb.AppendLine("| run | system | configuration | workload | faults | expected | got | |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var l in lines)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {Cell(l.Run)} | {Cell(l.System)} | {Cell(l.Configuration)} | {Cell(l.Workload)} | {Cell(l.Faults)} | {Cell(l.Expected)} | {Cell(l.Got)} | {(l.Mismatch is null ? "as expected" : "NOT as expected: " + Cell(l.Mismatch))} |");
        }
        return sb.ToString();
    }
}
