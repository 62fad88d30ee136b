using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Node.Leader;

internal enum WriteStatus
{
    /// <summary>Acknowledged per --replication.</summary>
    Ok,
    /// <summary>A cas whose expected value was not there: nothing changed.</summary>
    CasFailed,
    /// <summary>A conditional put whose context is not the key's version any more: nothing changed.</summary>
    Conflict,
    /// <summary>This node does not take writes (<see cref="WriteOutcome.Leader"/>: the one it knows, if any).</summary>
    NotLeader,
    /// <summary>In the leader's log, but not acknowledged in time (or the node stepped down meanwhile): unknown.</summary>
    Timeout,
}

internal readonly record struct WriteOutcome(WriteStatus Status, int? Leader = null);

/// <summary>A read: <see cref="Served"/> false when this node does not serve reads (--reads leader at a follower).</summary>
internal readonly record struct ReadOutcome(bool Served, VersionedValue? Value, int? Leader);

/// <summary>
/// One node of DDIA §5.1's single-leader replication. The leader appends every write to its log (fsynced), applies it,
/// and pushes its log to each follower from a loop of its own (<see cref="ReplicateAsync"/>); it acknowledges per
/// --replication (sync: every follower has the entry durably; semi-sync: one has; async: only its own log). Followers
/// apply the leader's batches in order (<see cref="Replica.AcceptEntries"/>), discarding an old leader's entries the
/// leader does not have. With --failover naive, followers that stop hearing the leader elect the reachable node with the
/// longest log (<see cref="ElectAsync"/>), with no majority and no fencing: split brain and lost writes are possible, as
/// DDIA describes. Every field below is guarded by <c>gate</c>; fsyncs happen under it too (one writer at a time).
/// </summary>
internal sealed partial class LeaderNode : IDisposable
{
    /// <summary>Compact the log into a snapshot once it holds this many entries after the last one (default 1000).
    /// Tests lower it to make followers bootstrap from a snapshot.</summary>
    public const string SnapshotEveryVariable = "DDIA_LEADER_SNAPSHOT_EVERY";

    public const string LeaderRole = "leader";
    public const string FollowerRole = "follower";
    public const string CandidateRole = "candidate";

    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private readonly NodeOptions options;
    private readonly Replica replica;
    private readonly LeaderPeerClient client;
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<int, long> matchIndex = [];
    private readonly Random random;
    private string role = FollowerRole;
    private int? leader;
    private long lastHeard = Stopwatch.GetTimestamp();
    private bool bootstrappedFromSnapshot;
    private bool heardLeader;   // since this process started
    private CancellationTokenSource? leadership;   // cancels (wakes) the replication loops of this node's current term

    // Completed and replaced when a follower's match index or this node's role changes (writes waiting for acks look again).
    private TaskCompletionSource progress = NewSignal();

    // Completed and replaced on every append at the leader (idle replication loops send at once).
    private TaskCompletionSource appended = NewSignal();

    public LeaderNode(NodeOptions options)
    {
        this.options = options;
        random = new Random(options.Seed);
        replica = Replica.Open(options.DataDir, SnapshotEvery());
        client = new LeaderPeerClient(options.PeerHttp);
        // Epoch 1 belongs to the initial leader, who leads it until a naive failover elects someone in a higher epoch.
        replica.RaiseEpoch(1);
        var initial = options.InitialLeader ?? options.ClusterIds[0];
        leader = replica.Epoch == 1 ? initial : null;
    }

    private static int SnapshotEvery()
    {
        var text = Environment.GetEnvironmentVariable(SnapshotEveryVariable);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1000;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Pulse(ref TaskCompletionSource signal) => Interlocked.Exchange(ref signal, NewSignal()).TrySetResult();

    /// <summary>This node's wall clock, which <c>POST /admin/clock</c> shifts (reported in the status).</summary>
    public OffsetClock Clock { get; } = new();

    private IEnumerable<int> Followers => options.PeerHttp.Keys;

    /// <summary>Starts leading (the initial leader, in epoch 1) and, with naive failover, the failure detector.</summary>
    public void Start()
    {
        lock (gate)
        {
            lastHeard = Stopwatch.GetTimestamp();   // the failure detector starts now, with the endpoint up
            if (leader == options.Id) StartLeading();
        }
        if (options.Failover == "naive") _ = Task.Run(() => FailoverLoopAsync(stopping.Token));
    }

    public ReadOutcome Read(string key)
    {
        lock (gate)
        {
            if (options.Reads == "leader" && role != LeaderRole) return new ReadOutcome(false, null, leader);
            return new ReadOutcome(true, replica.State.Get(key), leader);
        }
    }

    /// <summary>A put (conditional on <paramref name="expectedVersion"/> when given) or, with <paramref name="cas"/>, a
    /// compare-and-set from <paramref name="from"/> (null: absent).</summary>
    public async Task<WriteOutcome> WriteAsync(string key, string value, long? expectedVersion, bool cas = false, string? from = null)
    {
        var started = Stopwatch.GetTimestamp();
        long index, term;
        lock (gate)
        {
            if (role != LeaderRole) return new WriteOutcome(WriteStatus.NotLeader, leader);
            var current = replica.State.Get(key);
            if (expectedVersion is { } expected && (current?.Version ?? 0) != expected) return new WriteOutcome(WriteStatus.Conflict);
            if (cas && current?.Value != from) return new WriteOutcome(WriteStatus.CasFailed);
            index = replica.Append(key, value).Index;
            term = replica.Epoch;
            Pulse(ref appended);
        }
        return new WriteOutcome(await WaitForAcksAsync(index, term, started).ConfigureAwait(false));
    }

    private async Task<WriteStatus> WaitForAcksAsync(long index, long term, long started)
    {
        var followers = options.PeerHttp.Count;
        var required = options.Replication switch
        {
            "sync" => followers,
            "semi-sync" => Math.Min(1, followers),
            _ => 0,
        };
        while (true)
        {
            Task changed;
            lock (gate)
            {
                // Stepped down: a newer leader may or may not keep the entry.
                if (role != LeaderRole || replica.Epoch != term) return WriteStatus.Timeout;
                if (matchIndex.Values.Count(m => m >= index) >= required) return WriteStatus.Ok;
                changed = progress.Task;
            }
            var left = WriteTimeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) return WriteStatus.Timeout;
            try
            {
                await changed.WaitAsync(left).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return WriteStatus.Timeout;
            }
        }
    }

    /// <summary>POST /peer/leader/append: the leader's batch (or heartbeat).</summary>
    public PeerAnswer OnAppend(AppendRequest request)
    {
        lock (gate)
        {
            if (!Follow(request.Epoch, request.Leader)) return Refusal();
            var result = replica.AcceptEntries(request.PrevIndex, request.PrevEpoch, request.Entries ?? []);
            return Answer(result);
        }
    }

    /// <summary>POST /peer/leader/snapshot: the leader's state, replacing this node's copy.</summary>
    public PeerAnswer OnSnapshot(SnapshotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request.Snapshot);
        lock (gate)
        {
            if (!Follow(request.Epoch, request.Leader)) return Refusal();
            replica.InstallSnapshot(request.Snapshot);
            bootstrappedFromSnapshot = true;
            Console.WriteLine($"{HttpApi.NodeName(options.Id)}: installed the snapshot of n{request.Leader} at index {request.Snapshot.LastIndex}");
            return Answer(AcceptResult.Matched(request.Snapshot.LastIndex));
        }
    }

    public PeerState State()
    {
        lock (gate) return new PeerState(options.Id, role, replica.Epoch, leader, replica.LastIndex, replica.LastEpoch);
    }

    /// <summary>
    /// Whether a message from the leader of <paramref name="epoch"/> is to be followed: not when this node knows a higher
    /// epoch (the sender is a stale leader and learns so from the refusal). A higher epoch, or a candidate hearing the
    /// current one, makes this node a follower of the sender (a leader steps down).
    /// </summary>
    private bool Follow(long epoch, int sender)
    {
        if (epoch < replica.Epoch) return false;
        // Epochs are per node (ElectionRule.NextEpoch), so this is two nodes both configured as the first leader.
        if (epoch == replica.Epoch && role == LeaderRole) return false;
        if (epoch > replica.Epoch || role != FollowerRole || leader != sender) BecomeFollower(epoch, sender);
        lastHeard = Stopwatch.GetTimestamp();
        heardLeader = true;
        return true;
    }

    private PeerAnswer Refusal() => new(replica.Epoch, leader, false, 0, 0, false, replica.LastIndex);

    private PeerAnswer Answer(AcceptResult r) =>
        new(replica.Epoch, leader, r.Ok, r.MatchIndex, r.ConflictIndex, r.NeedSnapshot, replica.LastIndex);

    private void BecomeFollower(long epoch, int? newLeader)
    {
        if (role == LeaderRole)
            Console.WriteLine($"{HttpApi.NodeName(options.Id)}: steps down from epoch {replica.Epoch}, epoch {epoch} is n{newLeader}'s");
        replica.RaiseEpoch(epoch);
        role = FollowerRole;
        leader = newLeader;
        lastHeard = Stopwatch.GetTimestamp();
        StopLeading();
    }

    /// <summary>Under <c>gate</c>: become the leader of <paramref name="epoch"/> (a naive failover's winner). The no-op
    /// entry puts the new epoch into the log at once: a follower holding an old leader's entries at that index sees the
    /// epochs differ and discards them (log matching).</summary>
    private void BecomeLeader(long epoch)
    {
        replica.RaiseEpoch(epoch);
        replica.Append(null, null);
        Console.WriteLine($"{HttpApi.NodeName(options.Id)}: leader of epoch {epoch} at index {replica.LastIndex}");
        StartLeading();
    }

    private void StartLeading()
    {
        role = LeaderRole;
        leader = options.Id;
        matchIndex.Clear();
        foreach (var f in Followers) matchIndex[f] = 0;
        leadership = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        var term = replica.Epoch;
        var token = leadership.Token;
        foreach (var f in Followers) _ = Task.Run(() => ReplicateAsync(f, term, token));
    }

    private void StopLeading()
    {
        matchIndex.Clear();
        // CancelAsync: the loops' continuations must not run inline here, under the gate.
        _ = leadership?.CancelAsync();
        leadership = null;
        Pulse(ref progress);
    }

    public object Status()
    {
        lock (gate)
        {
            return new
            {
                system = "leader",
                id = options.Id,
                node = HttpApi.NodeName(options.Id),
                role,
                epoch = replica.Epoch,
                leader = leader is { } l ? HttpApi.NodeName(l) : null,
                leaderId = leader,
                lastIndex = replica.LastIndex,
                lastEpoch = replica.LastEpoch,
                appliedIndex = replica.State.AppliedIndex,
                replication = options.Replication,
                reads = options.Reads,
                failover = options.Failover,
                followers = role == LeaderRole ? matchIndex.ToDictionary(kv => HttpApi.NodeName(kv.Key), kv => kv.Value) : null,
                snapshotIndex = replica.SnapshotIndex,
                bootstrappedFromSnapshot,
                keys = replica.State.Count,
                wallNowMs = Clock.NowMs(),
                clockOffsetMs = Clock.OffsetMs,
            };
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        lock (gate)
        {
            replica.Dispose();
            client.Dispose();
        }
        stopping.Dispose();
    }
}
