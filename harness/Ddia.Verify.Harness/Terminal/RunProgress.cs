using System.Globalization;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.History;
using Ddia.Verify.Reports;
using Spectre.Console;

namespace Ddia.Verify.Harness.Terminal;

/// <summary>
/// Live progress of one run: ops invoked, completions by type, the faults active now and the time left.
/// Counting happens on the interpreter's thread (<see cref="Hooks"/>); drawing happens on a timer, so a slow
/// terminal never slows the run. On a terminal it redraws one table; otherwise it prints a line every few seconds.
/// </summary>
public sealed class RunProgress
{
    private readonly IAnsiConsole console;
    private readonly TimeSpan timeLimit;
    private readonly HashSet<string> activeFaults = [];
    private long invoked, ok, fail, info;
    private string phase = "starting";
    private DateTimeOffset? runningSince;

    public RunProgress(IAnsiConsole console, TimeSpan timeLimit)
    {
        this.console = console;
        this.timeLimit = timeLimit;
        Hooks = new RunHooks { OnOp = Count, OnPhase = p => Volatile.Write(ref phase, p), OnStore = s => console.MarkupLine($"run directory: [blue]{Markup.Escape(s.Directory)}[/]") };
    }

    public RunHooks Hooks { get; }

    /// <summary>Draws progress until <paramref name="run"/> ends; returns its result.</summary>
    public async Task<T> ShowWhile<T>(Task<T> run)
    {
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Live(Render()).AutoClear(false).StartAsync(async live =>
            {
                while (await Task.WhenAny(run, Task.Delay(250)) != run)
                {
                    live.UpdateTarget(Render());
                }
                live.UpdateTarget(Render());
            });
            return await run;
        }
        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5))) != run) console.WriteLine(Line());
        console.WriteLine(Line());
        return await run;
    }

    private void Count(Op op)
    {
        if (op.Process == Op.NemesisProcess)
        {
            if (op.Type == OpType.Info) lock (activeFaults) FaultChanged(op.F);
            return;
        }
        if (op.Type == OpType.Invoke && Interlocked.Increment(ref invoked) == 1) runningSince = DateTimeOffset.UtcNow;
        _ = op.Type switch
        {
            OpType.Ok => Interlocked.Increment(ref ok),
            OpType.Fail => Interlocked.Increment(ref fail),
            OpType.Info => Interlocked.Increment(ref info),
            _ => 0,
        };
    }

    /// <summary>Which fault an op starts or ends, by the same rules the report shades its fault windows with.</summary>
    private void FaultChanged(string f)
    {
        if (FaultWindows.Classify(f) is not ({ } kind, var isStart)) return;
        if (isStart) activeFaults.Add(kind);
        else activeFaults.Remove(kind);
    }

    private string Faults()
    {
        lock (activeFaults) return activeFaults.Count == 0 ? "none" : string.Join(", ", activeFaults.Order(StringComparer.Ordinal));
    }

    private string TimeLeft()
    {
        if (runningSince is not { } since) return "-";
        var left = timeLimit - (DateTimeOffset.UtcNow - since);
        return left > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $"{left.TotalSeconds:0} s") : "final phase";
    }

    private Table Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]running[/]");
        foreach (var column in new[] { "phase", "ops", "ok", "fail", "info", "faults now", "time left" }) table.AddColumn(column);
        table.AddRow(
            Markup.Escape(Volatile.Read(ref phase)),
            Interlocked.Read(ref invoked).ToString(CultureInfo.InvariantCulture),
            $"[green]{Interlocked.Read(ref ok).ToString(CultureInfo.InvariantCulture)}[/]",
            $"[red]{Interlocked.Read(ref fail).ToString(CultureInfo.InvariantCulture)}[/]",
            $"[yellow]{Interlocked.Read(ref info).ToString(CultureInfo.InvariantCulture)}[/]",
            Markup.Escape(Faults()),
            TimeLeft());
        return table;
    }

    private string Line() => string.Create(CultureInfo.InvariantCulture,
        $"[{Volatile.Read(ref phase)}] ops {Interlocked.Read(ref invoked)}  ok {Interlocked.Read(ref ok)}  fail {Interlocked.Read(ref fail)}  info {Interlocked.Read(ref info)}  faults: {Faults()}  left: {TimeLeft()}");
}
