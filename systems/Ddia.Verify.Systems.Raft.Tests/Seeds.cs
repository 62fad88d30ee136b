namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>
/// How many seeds each randomized suite runs, and the loop that runs them. Each seed is one deterministic
/// simulation; a failure names its seed, and rerunning that seed replays it exactly. Seeds run in parallel with
/// each other (they share nothing), which changes no seed's outcome.
/// </summary>
internal static class Seeds
{
    public const int Elections = 200;
    public const int Histories = 60;

    public static void Run(int count, Action<int> body, int first = 1)
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<(int Seed, Exception Error)>();
        Parallel.For(first, first + count, seed =>
        {
            try
            {
                body(seed);
            }
            catch (Exception e)
            {
                failures.Add((seed, e));
            }
        });
        if (!failures.IsEmpty)
        {
            var worst = failures.MinBy(f => f.Seed);
            throw new Xunit.Sdk.XunitException(
                $"{failures.Count} of {count} seeds failed: {string.Join(", ", failures.Select(f => f.Seed).Order())}. Seed {worst.Seed}: {worst.Error}");
        }
    }
}
