namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

[Flags]
public enum FaultKinds
{
    None = 0,
    Partition = 1,
    Crash = 2,
    Pause = 4,
    ClockSkew = 8,
    All = Partition | Crash | Pause | ClockSkew,
}

/// <summary>
/// A seeded nemesis: at random intervals, one fault of the enabled kinds. A partition (isolate whoever leads, isolate
/// a random node, random halves, a bridge, or with five nodes or more a majorities ring) replaces the previous one and heals by itself after 0.2–1.5 s, long enough for
/// the majority side to elect a leader and commit while the minority side still believes in the old one. Crashed
/// nodes restart after a while; pauses end by themselves; clock skew moves one node's wall clock by up to ±3 s.
/// Crashes, pauses and skew hit the current leader half the time. Everything ends with <see cref="SimCluster.HealAll"/>.
/// </summary>
internal static class RandomFaults
{
    public static void Schedule(SimCluster cluster, FaultKinds kinds, long untilMs, long minGapMs = 100, long maxGapMs = 500)
    {
        var enabled = Enum.GetValues<FaultKinds>().Where(k => k is not (FaultKinds.None or FaultKinds.All) && kinds.HasFlag(k)).ToArray();
        if (enabled.Length == 0) return;
        var random = cluster.Random;
        var partitions = 0;
        void Next()
        {
            if (cluster.Now >= untilMs)
            {
                cluster.HealAll();
                return;
            }
            var n = cluster.Nodes.Length;
            var leader = cluster.Nodes.FirstOrDefault(x => x.Raft?.Status.Role == RaftRole.Leader)?.Id;
            var victim = leader is { } l && random.Next(2) == 0 ? l : random.Next(n);
            switch (enabled[random.Next(enabled.Length)])
            {
                case FaultKinds.Partition:
                    switch (random.Next(n >= 5 ? 5 : 4))
                    {
                        case 0:
                            cluster.Isolate(leader ?? victim);
                            break;
                        case 1:
                            cluster.Isolate(random.Next(n));
                            break;
                        case 2:
                            cluster.Partition(Shuffled(random, n)[..(n / 2)]);
                            break;
                        case 3:
                            cluster.Bridge(victim);
                            break;
                        default:
                            cluster.MajoritiesRing(Shuffled(random, n));
                            break;
                    }
                    var mine = ++partitions;
                    cluster.At(cluster.Now + 200 + random.NextInt64(1_300), () =>
                    {
                        if (partitions == mine) cluster.Heal();
                    });
                    break;
                case FaultKinds.Crash:
                    cluster.Crash(victim);
                    cluster.At(cluster.Now + 50 + random.NextInt64(600), () => cluster.Restart(victim));
                    break;
                case FaultKinds.Pause:
                    cluster.Pause(victim, 50 + random.NextInt64(800));
                    break;
                case FaultKinds.ClockSkew:
                    cluster.SetClockOffset(victim, random.NextInt64(-3_000, 3_001));
                    break;
            }
            cluster.At(cluster.Now + minGapMs + random.NextInt64(maxGapMs - minGapMs + 1), Next);
        }
        cluster.At(cluster.Now + minGapMs, Next);
    }

    private static int[] Shuffled(Random random, int n) => [.. Enumerable.Range(0, n).OrderBy(_ => random.Next())];
}
