using Ddia.Verify.Checkers;

namespace Ddia.Verify.Harness.Compose;

/// <summary>
/// What <c>make run</c> runs (about 9 minutes on 2 cores): the Raft reference system under every fault, the
/// transactional store at each isolation level and with each workload under kill -9 and pauses, two-phase commit, and
/// single-leader, multi-leader and leaderless replication, correct where it should be and caught with the anomalies
/// DDIA says it allows (and none it rules out). Fault sizes and run lengths are chosen so that the broken configurations fail on every run,
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
                TimeLimit = TimeSpan.FromSeconds(30), Seed = seed,
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
        Txn("txn-serializable", "serializable", "list-append", seed + 4, Validity.Valid,
            "serializable snapshot isolation aborts the pivot of every dangerous structure: no anomaly", model: "strict-serializable"),
        Txn("txn-2pl", "2pl", "list-append", seed + 5, Validity.Valid, "strict two-phase locking: no anomaly", model: "strict-serializable"),
        Txn("txn-serial", "serial", "list-append", seed + 6, Validity.Valid, "one transaction at a time: no anomaly", model: "strict-serializable"),
        Txn("txn-snapshot", "snapshot", "list-append", seed + 7, Validity.Invalid,
            "snapshot isolation allows write skew (G2-item), so it is not serializable, but nothing snapshot isolation forbids",
            model: "serializable", finds: ["G2-item"], neverFinds: ["G0", "G1a", "G1b", "G1c", "G-single", "lost-update"]),
        Txn("txn-read-committed", "read-committed", "list-append", seed + 8, Validity.Invalid,
            "read committed allows lost updates and read skew (G-single), but no dirty reads or writes",
            model: "snapshot-isolation", finds: ["lost-update", "G-single"], neverFinds: ["G0", "G1a", "G1b", "G1c"]),
        Txn("txn-crash-recovery", "serializable", "list-append", seed + 9, Validity.Valid,
            "kill -9 of the store every few seconds: recovery from the fsynced log loses no committed transaction (a later read without it would be G1a, lost-update or a real-time cycle)",
            // The same three keys all run long, so the reads after each restart cover what was committed before it.
            model: "strict-serializable", faults: ["kill"], seconds: 20, txnsPerKeyShift: 1_000_000, neverFinds: ["G1a", "lost-update", "incompatible-order"]),
        Txn("txn-bank-serializable", "serializable", "bank", seed + 10, Validity.Valid,
            "transfers under SSI: every read of all accounts sums to the bank's total", neverFinds: ["wrong-total", "negative-balance"]),
        Txn("txn-on-call-snapshot", "snapshot", "on-call", seed + 11, Validity.Invalid,
            "DDIA's doctors under snapshot isolation: both see two on call and both go off (write skew)", finds: ["write-skew"]),
        Txn("txn-on-call-serializable", "serializable", "on-call", seed + 12, Validity.Valid,
            "the doctors under SSI: one of two concurrent go-off-calls aborts, so a shift always keeps someone on call", neverFinds: ["write-skew"]),
        Txn("txn-rw-register-2pl", "2pl", "rw-register", seed + 13, Validity.Valid,
            "read/write registers under strict two-phase locking: serializable", model: "serializable"),
        TwoPc("2pc-bank", unsafeHeuristic: false, ["kill", "pause", "partition"], seed + 14, Validity.Valid,
            "two-phase commit over three partitions under kill -9, pauses and network partitions: prepared participants survive restarts and wait out partitions, every read sums to the total",
            neverFinds: ["wrong-total", "negative-balance"]),
        TwoPc("2pc-bank-coordinator-crash", unsafeHeuristic: false, ["crash"], seed + 15, Validity.Valid,
            "coordinators crash between their commit messages: the logged decision is finished after restart; participants in doubt block meanwhile (failed ops), and every read sums to the total",
            neverFinds: ["wrong-total", "negative-balance"]),
        TwoPc("2pc-bank-unsafe-heuristic", unsafeHeuristic: true, ["crash"], seed + 16, Validity.Invalid,
            "the same crashes, but the coordinator logged nothing and the participant left in doubt rolls back alone: a transfer half applied changes the total",
            finds: ["wrong-total"]),
        Replicated("leader-sync", new RunOptions { System = "leader", Replication = "sync", Reads = "leader", Workload = "register", Nemesis = ["partition", "pause", "kill"] },
            seed + 17, Validity.Valid, "every follower has a write before it is acknowledged, reads go to the one leader and it never changes: linearizable",
            interval: 2),
        Replicated("leader-async-follower-reads", new RunOptions { System = "leader", Replication = "async", Reads = "any", Workload = "register", ReadWeight = 4, Nemesis = ["partition"] },
            seed + 18, Validity.Invalid, "followers serve reads from their own copy, which lags the leader (for as long as a partition lasts): stale reads"),
        Replicated("leader-async-failover", new RunOptions { System = "leader", Replication = "async", Failover = "naive", Workload = "set", Nemesis = ["partition"], Scenario = "isolate-leader" },
            seed + 19, Validity.Invalid, "the cut-off leader keeps acknowledging writes while the others elect a new one; when the partition heals it steps down and its writes are discarded: lost acknowledged adds",
            finds: ["lost"]),
        Replicated("leaderless-quorum", new RunOptions { System = "leaderless", N = 3, W = 2, R = 2, Conflicts = "version-vectors", Workload = "set", Nemesis = ["partition", "kill"] },
            seed + 20, Validity.Valid, "w + r > n and version vectors: every read overlaps every acknowledged write, and concurrent adds are kept as siblings and merged: no lost adds",
            neverFinds: ["lost", "unexpected"], interval: 2),
        Replicated("leaderless-weak-quorum", new RunOptions { System = "leaderless", N = 3, W = 1, R = 1, Conflicts = "lww", Workload = "register", ReadWeight = 4, Nemesis = ["partition"] },
            seed + 21, Validity.Invalid, "w + r <= n: a read can miss every replica that has the latest write: stale reads"),
        Replicated("leaderless-lww-clock", new RunOptions { System = "leaderless", N = 3, W = 2, R = 2, Conflicts = "lww", Workload = "counter", Nemesis = ["clock"] },
            seed + 22, Validity.Invalid, "last write wins by wall clock: a node whose clock is behind writes increments that lose to older ones, and concurrent increments overwrite each other: lost increments",
            finds: ["out-of-bounds"]),
        Replicated("multi-leader-lww", new RunOptions { System = "multi-leader", Conflicts = "lww", Workload = "set", Nemesis = ["partition"] },
            seed + 23, Validity.Invalid, "every node takes writes and the one with the latest timestamp wins: adds made concurrently on other nodes are silently dropped",
            finds: ["lost"]),
        Replicated("multi-leader-version-vectors", new RunOptions { System = "multi-leader", Conflicts = "version-vectors", Workload = "set", Nemesis = ["partition"] },
            seed + 24, Validity.Valid, "concurrent writes on different nodes are kept as siblings and the next add merges them: no lost adds",
            neverFinds: ["lost", "unexpected"], interval: 2),
    ];

    /// <summary>A replication system of DDIA chapter 5 (<paramref name="options"/> says which, with what knobs, workload
    /// and faults) for 10 s, a fault op every <paramref name="interval"/> seconds on average (the correct configurations
    /// get them more often: a pass must have been tried).</summary>
    private static CampaignRun Replicated(
        string name, RunOptions options, ulong seed, Validity expected, string why, string[]? finds = null, string[]? neverFinds = null, double interval = 3) =>
        new(name, options with { NemesisInterval = interval, TimeLimit = TimeSpan.FromSeconds(10), Seed = seed }, expected, why)
        {
            Finds = [.. finds ?? []],
            NeverFinds = [.. neverFinds ?? []],
        };

    /// <summary>Bank transfers over ddia-node's two-phase commit (accounts hash-partitioned over three nodes, each client
    /// coordinated by its own node) under kill -9 and pauses of one node at a time, or crashes of a coordinator between
    /// its commit messages (the crash fault: a random kill lands in that millisecond window only by luck).</summary>
    private static CampaignRun TwoPc(
        string name, bool unsafeHeuristic, string[] faults, ulong seed, Validity expected, string why, string[]? finds = null, string[]? neverFinds = null) =>
        new(name,
            new RunOptions
            {
                System = "2pc", UnsafeHeuristic = unsafeHeuristic, Workload = "bank", Nemesis = [.. faults], NemesisInterval = 3,
                TimeLimit = TimeSpan.FromSeconds(15), Seed = seed,
            },
            expected, why)
        {
            Finds = [.. finds ?? []],
            NeverFinds = [.. neverFinds ?? []],
        };

    /// <summary>The transactional store under kill -9 and pauses of its node (list-append keeps three hot keys).</summary>
    private static CampaignRun Txn(
        string name, string isolation, string workload, ulong seed, Validity expected, string why,
        string? model = null, string[]? faults = null, int seconds = 12, int txnsPerKeyShift = 32, string[]? finds = null, string[]? neverFinds = null) =>
        new(name,
            new RunOptions
            {
                System = "txn", Isolation = isolation, Workload = workload, ConsistencyModels = model is null ? [] : [model],
                Nemesis = [.. faults ?? ["kill", "pause"]], NemesisInterval = 3, TimeLimit = TimeSpan.FromSeconds(seconds), TxnsPerKeyShift = txnsPerKeyShift, Seed = seed,
            },
            expected, why)
        {
            Finds = [.. finds ?? []],
            NeverFinds = [.. neverFinds ?? []],
        };
}
