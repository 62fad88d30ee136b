namespace Ddia.Verify.Systems.Raft;

/// <summary>How <see cref="RaftNode.Read"/> serves a read (DESIGN.md §4, the raft row).</summary>
public enum ReadMode
{
    /// <summary>The read is a log entry: linearizable, at the cost of a replication round and a disk write.</summary>
    Log,

    /// <summary>ReadIndex (Raft dissertation §6.4): the leader notes its commit index, confirms with a heartbeat
    /// round that a majority still follows it, waits until it has applied that index, then reads locally.
    /// Linearizable, and nothing is written.</summary>
    Index,

    /// <summary>Leader lease (dissertation §6.4.1): while its lease has not expired by its WALL clock, the leader
    /// reads locally with no round trip. Textbook-unsafe on purpose: a leader whose wall clock is set back, or runs
    /// slow, keeps serving after a new leader has committed writes, so it returns stale values. When the lease
    /// has expired the read falls back to ReadIndex.</summary>
    Lease,
}
