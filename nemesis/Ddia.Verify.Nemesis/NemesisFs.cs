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
}

/// <summary>The names of the faults <see cref="Packages.NemesisPackages.For"/> understands (the CLI's --nemesis values).</summary>
public static class Faults
{
    public const string Partition = "partition";
    public const string Loss = "loss";
    public const string Pause = "pause";
    public const string Kill = "kill";
    public const string Clock = "clock";

    /// <summary>Every fault, in the order packages compose and heal them.</summary>
    public static IReadOnlyList<string> All { get; } = [Pause, Kill, Partition, Loss, Clock];
}
