namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>How the simulated network treats each peer message: a delay drawn uniformly from [min, max] ms, and
/// independent chances of loss and of a duplicate (with its own delay, so copies also reorder).</summary>
internal sealed record NetworkProfile(long MinDelayMs = 1, long MaxDelayMs = 10, double DropRate = 0.02, double DuplicateRate = 0.01)
{
    public static NetworkProfile Reliable { get; } = new(1, 5, 0, 0);
}
