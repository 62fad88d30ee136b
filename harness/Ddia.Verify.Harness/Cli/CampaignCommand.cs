using System.CommandLine;
using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.Harness.Terminal;
using Spectre.Console;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// <c>ddia-verify campaign</c>: the default campaign (<see cref="DefaultCampaign"/>), one run after another, then a
/// table of run, expectation (verdict and the anomalies it must and must not find), what it got, and report. Exit 0
/// when every run got what it expected, 1 otherwise, 130 when interrupted.
/// </summary>
internal static class CampaignCommand
{
    public static Command Create(TextWriter stdout)
    {
        var store = new Option<string>("--store") { Description = "Where runs are kept", DefaultValueFactory = _ => "store" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the first run (the others use the next seeds)" };
        var nodeProgram = new Option<string?>("--node-program") { Description = "Path to ddia-node.dll (./ddia-verify sets it)" };
        var only = new Option<string?>("--only") { Description = "Run only the campaign run of this name or, when none has it, those whose name contains it" };
        var command = new Command("campaign", "Run the default campaign: Raft and its lock service, correct and textbook-broken, under faults.")
        {
            store, seed, nodeProgram, only,
        };
        command.SetAction(parse =>
        {
            var console = Consoles.For(stdout);
            var first = parse.GetValue(seed) ?? (ulong)Random.Shared.NextInt64();
            var runs = Selected(DefaultCampaign.Runs(first), parse.GetValue(only))
                .Select(r => r with
                {
                    Options = r.Options with
                    {
                        Name = r.Name,
                        Store = parse.GetValue(store)!,
                        NodeProgram = parse.GetValue(nodeProgram),
                        Loopback = TestComposer.NamespacesUnavailable() is not null,
                    },
                })
                .ToList();
            if (runs.Count == 0) throw new UsageException("--only: no campaign run matches");

            var rows = new List<(CampaignRun Run, RunOutcome Outcome, string? Mismatch, string Report)>();
            foreach (var run in runs)
            {
                console.Write(new Rule($"[bold]{Markup.Escape(run.Name)}[/]: expect {Markup.Escape(run.Expectation)}").LeftJustified());
                console.MarkupLine($"[grey]{Markup.Escape(run.Why)}[/]");
                var outcome = RunCommand.Execute(run.Options, console, out var report);
                rows.Add((run, outcome, run.Mismatch(outcome), report));
                if (outcome.Status == "interrupted") break;
            }

            var table = new Table().Border(TableBorder.Rounded).Title("[bold]campaign[/]");
            table.AddColumns("run", "expected", "got", "", "report");
            foreach (var (run, outcome, mismatch, report) in rows)
            {
                var gotText = outcome.Result is { } r ? $"[{VerdictTable.Colour(r.Validity)}]{r.Validity.Name()}[/]" : "-";
                if (outcome.Result is { Anomalies.IsEmpty: false } found)
                    gotText += ": " + Markup.Escape(string.Join(", ", found.Anomalies.Select(a => a.Kind).Distinct().Order(StringComparer.Ordinal).Take(6)));
                if (outcome.Status != "ok") gotText += $" ({Markup.Escape(outcome.Status)})";
                table.AddRow(Markup.Escape(run.Name), Markup.Escape(run.Expectation), gotText,
                    mismatch is null ? "[green]as expected[/]" : $"[red]NOT as expected[/]: {Markup.Escape(mismatch)}", Markup.Escape(report));
            }
            console.Write(table);
            if (rows.Any(r => r.Outcome.Status == "interrupted")) return RunCommand.Interrupted;
            return rows.Count == runs.Count && rows.All(r => r.Mismatch is null) ? 0 : ExitCodes.Invalid;
        });
        return command;
    }

    /// <summary>The run named <paramref name="only"/> (2pc-bank alone, not also 2pc-bank-coordinator-crash), else the
    /// runs whose name contains it; every run without a filter.</summary>
    internal static IEnumerable<CampaignRun> Selected(IReadOnlyList<CampaignRun> runs, string? only)
    {
        if (only is null) return runs;
        var exact = runs.Where(r => r.Name == only).ToList();
        return exact.Count > 0 ? exact : runs.Where(r => r.Name.Contains(only, StringComparison.Ordinal));
    }
}
