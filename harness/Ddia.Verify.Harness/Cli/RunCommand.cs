using System.Collections.Immutable;
using System.CommandLine;
using System.Runtime.InteropServices;
using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.Harness.Terminal;
using Spectre.Console;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// <c>ddia-verify run</c>: one test on a real cluster, with live progress and a closing verdict table. Ctrl-C
/// (or SIGTERM) stops the run cleanly: faults healed, nodes killed, namespaces and rules removed, and what was
/// recorded still checked and reported. Exit: 0 valid, 1 invalid, 2 unknown, 130 interrupted, 255 crashed.
/// </summary>
internal static class RunCommand
{
    public const int Interrupted = 130;

    public static Command Create(TextWriter stdout)
    {
        var flags = new RunFlags();
        var command = new Command("run", "Run a test on a real local cluster: start the nodes, inject faults, record the history, check it, write the report.");
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var options = flags.Read(parse);
            var console = Consoles.For(stdout);
            var outcome = Execute(options, console, out _);
            return outcome.Status switch
            {
                "interrupted" => Interrupted,
                "crashed" => ExitCodes.InternalError,
                _ => ExitCodes.Of(outcome.Result!.Validity),
            };
        });
        return command;
    }

    /// <summary>Runs one test with progress on <paramref name="console"/>; Ctrl-C and SIGTERM end it cleanly.</summary>
    public static RunOutcome Execute(RunOptions options, IAnsiConsole console, out string reportPath)
    {
        var spec = TestComposer.Compose(options, out var unavailable);
        console.MarkupLine($"[bold]{Markup.Escape(spec.Name)}[/]: {options.Nodes} nodes, {options.Concurrency} clients, {options.TimeLimit.TotalSeconds:0} s, seed [bold]{options.Seed}[/]");
        if (options.Loopback && TestComposer.NamespacesUnavailable() is { } why) console.MarkupLine($"[yellow]nodes on loopback addresses:[/] {Markup.Escape(why)}");
        foreach (var u in unavailable) console.MarkupLine($"[yellow]unavailable here:[/] {Markup.Escape(u)}");

        using var interrupt = new CancellationTokenSource();
        // First Ctrl-C/SIGTERM: stop and clean up. The handler keeps the process alive until the run has torn down.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            if (interrupt.IsCancellationRequested) return;
            console.MarkupLine("[yellow]interrupted: healing faults and tearing the cluster down…[/]");
            interrupt.Cancel();
        }

        var progress = new RunProgress(console, options.TimeLimit);
        var run = Runner.RunAsync(spec, options.Store, TimeProvider.System, interrupt.Token, progress.Hooks);
        var (store, outcome) = progress.ShowWhile(run).GetAwaiter().GetResult();
        console.Write(VerdictTable.Of(outcome));
        if (outcome.Error is { } error) console.MarkupLine($"[red]{Markup.Escape(error)}[/]");
        var verdict = outcome.Result?.Validity ?? Validity.Unknown;
        console.MarkupLine($"verdict: [{VerdictTable.Colour(verdict)}]{verdict.Name()}[/]   report: [blue]{Markup.Escape(store.ReportPath)}[/]");
        var relative = Path.GetRelativePath(System.Environment.CurrentDirectory, store.ReportPath);
        reportPath = relative.StartsWith("..", StringComparison.Ordinal) ? store.ReportPath : relative;
        return outcome;
    }
}
