namespace Ddia.Verify.Nemesis;

/// <summary>The f of every nemesis op, as it appears in histories (DESIGN.md §2).</summary>
public static class NemesisFs
{
    public const string StartPartition = "start-partition";
    public const string StopPartition = "stop-partition";
    public const string StartLoss = "start-loss";
    public const string StopLoss = "stop-loss";
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Kill = "kill";
    public const string Start = "start";
    public const string BumpClock = "bump-clock";
    public const string StrobeClock = "strobe-clock";
    public const string ResetClock = "reset-clock";
    public const string ArmCrash = "arm-crash";
    public const string RecoverCrash = "recover-crash";
}

/// <summary>The names of the faults <see cref="Packages.NemesisPackages.For"/> understands (the CLI's --nemesis values).</summary>
public static class Faults
{
    public const string Partition = "partition";
    public const string Loss = "loss";
    public const string Pause = "pause";
    public const string Kill = "kill";
    public const string Clock = "clock";

    /// <summary>kill -9 at a named step of the system's protocol (<see cref="Packages.NemesisOptions.CrashPoint"/>).</summary>
    public const string Crash = "crash";

    /// <summary>Every fault, in the order packages compose and heal them.</summary>
    public static IReadOnlyList<string> All { get; } = [Pause, Kill, Crash, Partition, Loss, Clock];

    /// <summary>
    /// Each fault's ops: the fs that start it and the f that stops it. For reports that shade fault
    /// windows (a window opens at a start's completion and closes at the next stop's).
    /// </summary>
    public static IReadOnlyDictionary<string, FaultOps> Ops { get; } = new Dictionary<string, FaultOps>(StringComparer.Ordinal)
    {
        [Partition] = new([NemesisFs.StartPartition], NemesisFs.StopPartition),
        [Loss] = new([NemesisFs.StartLoss], NemesisFs.StopLoss),
        [Pause] = new([NemesisFs.Pause], NemesisFs.Resume),
        [Kill] = new([NemesisFs.Kill], NemesisFs.Start),
        [Crash] = new([NemesisFs.ArmCrash], NemesisFs.RecoverCrash),
        [Clock] = new([NemesisFs.BumpClock, NemesisFs.StrobeClock], NemesisFs.ResetClock),
    };
}

/// <summary>The fs that start a fault and the f that stops it.</summary>
public sealed record FaultOps(IReadOnlyList<string> Starts, string Stop);
