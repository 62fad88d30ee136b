using Ddia.Verify.Checkers;

namespace Ddia.Verify.Harness.Compose;

/// <summary>One run of a campaign and the verdict it must reach.</summary>
public sealed record CampaignRun(string Name, RunOptions Options, Validity Expected, string Why);

/// <summary>
/// What <c>make run</c> runs (about 4 minutes on 2 cores): the Raft reference system under every fault, and the
/// transactional store at each isolation level under kill -9 and pauses, correct where it should be and caught where
/// DDIA says it breaks. Fault sizes and run lengths are chosen so that the broken configurations fail on every run,
/// not on most runs.
/// </summary>
public static class DefaultCampaign
{
    public static IReadOnlyList<CampaignRun> Runs(ulong seed) =>
    [
        new("raft-log-reads",
            new RunOptions
            {
                ReadMode = "log", Workload = "register", Nemesis = ["partition", "pause", "kill", "clock"], NemesisInterval = 3,
                TimeLimit = TimeSpan.FromSeconds(40), Seed = seed,
            },
            Validity.Valid, "reads go through the log: linearizable under partitions, pauses, kills and clock skew"),
        new("raft-lease-reads",
            new RunOptions
            {
                ReadMode = "lease", Workload = "register", Nemesis = ["clock", "pause", "partition"], Scenario = "leader-lease",
                NemesisInterval = 10, ReadWeight = 4, TimeLimit = TimeSpan.FromSeconds(40), Seed = seed + 1,
            },
            Validity.Invalid, "a leader whose clock was set back keeps serving lease reads after a new leader took writes: stale reads"),
        new("lock-unfenced",
            new RunOptions
            {
                Workload = "lock", Fencing = false, Nemesis = ["pause"], NemesisInterval = 3, TimeLimit = TimeSpan.FromSeconds(20), Seed = seed + 2,
            },
            Validity.Invalid, "without fencing tokens, a paused holder's late write lands after the next holder's"),
        new("lock-fenced",
            new RunOptions
            {
                Workload = "lock", Fencing = true, Nemesis = ["pause"], NemesisInterval = 3, TimeLimit = TimeSpan.FromSeconds(20), Seed = seed + 3,
            },
            Validity.Valid, "the storage rejects writes with an older token: fenced writes never interleave"),
        Txn("txn-serializable", "serializable", "strict-serializable", seed + 4, Validity.Valid,
            "serializable snapshot isolation aborts the pivot of every dangerous structure: no anomaly"),
        Txn("txn-2pl", "2pl", "strict-serializable", seed + 5, Validity.Valid, "strict two-phase locking: no anomaly"),
        Txn("txn-serial", "serial", "strict-serializable", seed + 6, Validity.Valid, "one transaction at a time: no anomaly"),
        Txn("txn-snapshot", "snapshot", "serializable", seed + 7, Validity.Invalid,
            "snapshot isolation allows write skew: G2-item cycles, so not serializable (SI itself holds)"),
        Txn("txn-read-committed", "read-committed", "snapshot-isolation", seed + 8, Validity.Invalid,
            "read committed allows lost updates and read skew (G-single): not snapshot isolation"),
    ];

    /// <summary>The transactional store on list-append transactions over three hot keys, under kill -9 and pauses.</summary>
    private static CampaignRun Txn(string name, string isolation, string model, ulong seed, Validity expected, string why) =>
        new(name,
            new RunOptions
            {
                System = "txn", Isolation = isolation, Workload = "list-append", ConsistencyModels = [model], Nemesis = ["kill", "pause"],
                NemesisInterval = 3, TimeLimit = TimeSpan.FromSeconds(15), Seed = seed,
            },
            expected, why);
}
