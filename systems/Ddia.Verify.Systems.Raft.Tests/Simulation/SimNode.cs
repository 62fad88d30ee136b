using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>One simulated machine: durable storage that outlives crashes, and the node process when it is up.</summary>
internal sealed class SimNode(int id, long monotonicBaseMs)
{
    public int Id { get; } = id;

    public MemoryRaftStorage Storage { get; } = new();

    /// <summary>Null while crashed.</summary>
    public RaftNode? Raft { get; set; }

    public bool Up => Raft is not null;

    /// <summary>Counts starts; events of an earlier incarnation (its ticks) are dropped.</summary>
    public int Incarnation { get; set; }

    /// <summary>Each node's monotonic clock has its own origin: nothing may compare them across nodes.</summary>
    public long MonotonicBaseMs { get; } = monotonicBaseMs;

    /// <summary>This node's wall clock minus true time: the clock-skew fault.</summary>
    public long WallOffsetMs { get; set; }

    /// <summary>While the simulated time is below this, the process is stopped (SIGSTOP): nothing reaches it and
    /// it sends nothing; what arrives waits, as in a socket buffer.</summary>
    public long PausedUntilMs { get; set; }

    /// <summary>Client requests waiting for an answer from this incarnation, by request id.</summary>
    public Dictionary<long, Action<ClientResponse>> Waiting { get; } = [];
}
