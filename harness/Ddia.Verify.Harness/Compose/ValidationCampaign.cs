using Ddia.Verify.Checkers;

namespace Ddia.Verify.Harness.Compose;

/// <summary>
/// Known results of real third-party systems that Ddia.Verify must reproduce on every run (<c>ddia-verify campaign
/// --validation</c>); kept out of <see cref="DefaultCampaign"/> so <c>make run</c> stays short. etcd 3.4 (Debian's
/// etcd-server): linearizable reads stay linearizable under partitions, kills and pauses; serializable reads on a
/// member cut off from the rest are stale; and its lock, under process pauses longer than the lock's lease, lets two
/// clients in at once, so read-modify-writes under it lose updates (Jepsen, etcd 3.4.3, 2020).
/// </summary>
public static class ValidationCampaign
{
    public static IReadOnlyList<CampaignRun> Runs(ulong seed) =>
    [
        new("etcd-linearizable",
            new RunOptions
            {
                System = "etcd", EtcdReads = "linearizable", Workload = "register", Nemesis = ["partition", "kill", "pause"], NemesisInterval = 3,
                TimeLimit = TimeSpan.FromSeconds(30), Seed = seed,
            },
            Validity.Valid, "reads go through the leader's read index and writes through Raft: linearizable under partitions, kill -9 and pauses"),
        new("etcd-serializable-reads",
            new RunOptions
            {
                System = "etcd", EtcdReads = "serializable", Workload = "register", Nemesis = ["partition"], Scenario = "isolate-one",
                NemesisInterval = 4, ReadWeight = 4, TimeLimit = TimeSpan.FromSeconds(25), Seed = seed + 1,
            },
            Validity.Invalid, "a member cut off from the others keeps answering serializable ranges from its own state while the majority takes writes: stale reads")
        {
            Finds = ["nonlinearizable"],
        },
        new("etcd-lock-set-pauses",
            new RunOptions
            {
                System = "etcd", Workload = "lock-set", Nemesis = ["pause"], Scenario = "pause-one", NemesisInterval = 3,
                TimeLimit = TimeSpan.FromSeconds(25), Seed = seed + 2,
            },
            Validity.Invalid, "a member stopped for 6 s, three times the lock's 2 s lease: the leases of the clients stuck on it expire and the lock lets a second holder in, whose read-modify-write overwrites the other's: lost adds")
        {
            Finds = ["lost"],
        },
    ];
}
