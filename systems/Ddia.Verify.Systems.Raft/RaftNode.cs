using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Systems.Raft;

/// <summary>
/// One Raft node as an explicit state machine: inputs in, a <see cref="Ready"/> batch out. It owns no thread,
/// socket, file or clock; it allocates and computes, nothing else. The host (the node program, or a test's
/// simulator) feeds it, from one thread at a time:
/// <list type="bullet">
/// <item><see cref="Tick"/> with its monotonic clock (elections, heartbeats) and its wall clock (leases), every
/// few milliseconds;</item>
/// <item><see cref="Receive"/> for every peer message;</item>
/// <item><see cref="Propose"/> and <see cref="Read"/> for client requests, each with a request id of the
/// caller's choosing that the matching <see cref="ClientResponse"/> carries back;</item>
/// </list>
/// and after any of these, while <see cref="HasReady"/>, takes a <see cref="Ready"/> and handles it as that
/// type prescribes: persist, then send, then respond. Inputs may be batched before one <see cref="TakeReady"/>
/// (one fsync for many requests). Between inputs the node reasons as if at the time of the last
/// <see cref="Tick"/>.
/// <para>The state machine is the KV store with the lock service (namespace <c>StateMachine</c>); the core
/// applies committed entries to it itself, so reads can wait for "applied ≥ index" without a round trip to the
/// host.</para>
/// </summary>
public sealed partial class RaftNode
{
    private readonly RaftOptions options;
    private readonly Random random;
    private readonly int[] peers;
    private readonly RaftLog log;
    private readonly ServiceStateMachine stateMachine;

    // Durable (hard) state; changes wait in hardStateChanged until the next Ready.
    private long currentTerm;
    private int? votedFor;
    private bool hardStateChanged;

    // Volatile state.
    private RoleState role = new FollowerState();
    private int? leaderId;
    private long commitIndex;
    private long lastApplied;
    private long nowMs;
    private long wallMs;
    private long electionDeadlineMs;
    private readonly Dictionary<long, (long RequestId, long Term)> proposals = [];

    // The batch being built.
    private readonly List<RaftMessage> outbox = [];
    private readonly List<LogEntry> applied = [];
    private readonly List<ClientResponse> responses = [];

    /// <summary>
    /// Starts a node from what its storage holds (<see cref="PersistentState.Empty"/> the first time), as a
    /// follower that knows no leader and has applied nothing: it replays its log as it learns the commit index.
    /// </summary>
    /// <param name="monotonicNowMs">the host's monotonic clock now; later <see cref="Tick"/>s must not go back.</param>
    /// <param name="wallNowMs">the host's wall clock now (it may be skewed).</param>
    /// <param name="random">the source of election-timeout jitter; seed it for reproducible runs. Only this node
    /// uses it.</param>
    public RaftNode(RaftOptions options, PersistentState restored, long monotonicNowMs, long wallNowMs, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(restored);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        this.options = options;
        this.random = random;
        peers = [.. options.Members.Where(m => m != options.Id)];
        log = new RaftLog(restored.Log);
        stateMachine = new ServiceStateMachine(options.Fencing);
        currentTerm = restored.State.Term;
        votedFor = restored.State.VotedFor;
        if (log.LastTerm > currentTerm)
        {
            // The entries reached the disk but the term did not (a host that wrote them out of order):
            // the term must be at least that of any entry we hold.
            currentTerm = log.LastTerm;
            votedFor = null;
            hardStateChanged = true;
        }
        nowMs = monotonicNowMs;
        wallMs = wallNowMs;
        ResetElectionTimer();
        // Refuse votes for a minimum election timeout, as if we had just heard from a leader: before the crash we
        // may have acknowledged one whose lease is still running (dissertation §4.2.3, §6.4.1).
        leaderContactUntilMs = nowMs + options.ElectionTimeoutMinMs;
    }

    /// <summary>A snapshot of this node's state; cheap, and without side effects.</summary>
    public RaftStatus Status => new(
        options.Id, role.Role, currentTerm, leaderId, votedFor, commitIndex, lastApplied, log.LastIndex, log.LastTerm,
        (role as LeaderState)?.LeaseExpiresWallMs);

    /// <summary>
    /// Advances time: a follower or candidate whose election timeout has passed starts an election, a leader
    /// whose heartbeat is due sends a heartbeat round. Call it every few milliseconds (well under
    /// <see cref="RaftOptions.HeartbeatIntervalMs"/>), with the current clocks.
    /// </summary>
    /// <param name="monotonicNowMs">must not be less than in any earlier call.</param>
    /// <param name="wallNowMs">the node's wall clock (skewable; it may jump either way).</param>
    public void Tick(long monotonicNowMs, long wallNowMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(monotonicNowMs, nowMs);
        nowMs = monotonicNowMs;
        wallMs = wallNowMs;
        if (role is LeaderState leader)
        {
            if (nowMs >= leader.NextHeartbeatMs) Heartbeat(leader);
        }
        else if (nowMs >= electionDeadlineMs)
        {
            StartElection(preVote: options.PreVote);
        }
    }

    /// <summary>Handles one peer message. Messages addressed to another node, or from a non-member, are ignored;
    /// duplicates, stale and reordered messages are expected and harmless.</summary>
    public void Receive(RaftMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.To != options.Id || !peers.Contains(message.From)) return;
        switch (message)
        {
            case RequestVote request:
                HandleRequestVote(request);
                return;
            case VoteReply { PreVote: true } reply:
                HandlePreVoteReply(reply);
                return;
        }
        if (message.Term > currentTerm)
        {
            BecomeFollower(message.Term, message is AppendEntries ? message.From : null);
        }
        else if (message.Term < currentTerm)
        {
            // A stale leader learns our term from the rejection and steps down; stale replies are dropped.
            if (message is AppendEntries stale) Send(Reject(stale, 0, 0));
            return;
        }
        switch (message)
        {
            case VoteReply reply:
                HandleVoteReply(reply);
                break;
            case AppendEntries append:
                HandleAppendEntries(append);
                break;
            case AppendEntriesReply reply:
                HandleAppendEntriesReply(reply);
                break;
        }
    }

    /// <summary>
    /// Proposes a command. On a leader it is appended to the log and answered when applied (or superseded);
    /// elsewhere it is answered at once with <see cref="ResponseStatus.NotLeader"/> and the leader this node
    /// knows of, if any. Forwarding to the leader is the host's business.
    /// </summary>
    public void Propose(long requestId, Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (role is not LeaderState leader)
        {
            responses.Add(new ClientResponse(requestId, ResponseStatus.NotLeader, LeaderHint: leaderId));
            return;
        }
        var entry = AppendAsLeader(leader, command);
        if (proposals.Remove(entry.Index, out var earlier))
        {
            // We proposed at this index in an earlier term and that entry has since been overwritten.
            responses.Add(new ClientResponse(earlier.RequestId, ResponseStatus.Superseded));
        }
        proposals[entry.Index] = (requestId, currentTerm);
        MaybeCommit();
    }

    /// <summary>
    /// Reads <paramref name="key"/> the way <see cref="RaftOptions.ReadMode"/> says; answered with the value (null:
    /// absent) once linearizable (or, in lease mode, once this leader believes it is). A non-leader answers
    /// <see cref="ResponseStatus.NotLeader"/> at once; a leader that steps down answers its waiting reads so.
    /// </summary>
    /// <param name="wallNowMs">the node's wall clock now, read when the request arrived: the lease is checked
    /// against it.</param>
    public void Read(long requestId, string key, long wallNowMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        wallMs = wallNowMs;
        if (role is not LeaderState leader)
        {
            responses.Add(new ClientResponse(requestId, ResponseStatus.NotLeader, LeaderHint: leaderId));
            return;
        }
        switch (options.ReadMode)
        {
            case ReadMode.Log:
                Propose(requestId, new KvRead(key));
                break;
            case ReadMode.Lease when wallNowMs < leader.LeaseExpiresWallMs:
                LeaseRead(leader, requestId, key);
                break;
            default:
                ReadIndex(leader, requestId, key);
                break;
        }
    }

    /// <summary>Whether <see cref="TakeReady"/> has anything to do: output waiting, or sends deferred to it. When
    /// false, it would return an empty batch.</summary>
    public bool HasReady =>
        hardStateChanged || outbox.Count > 0 || applied.Count > 0 || responses.Count > 0 || log.HasChanges
        || role is LeaderState { RoundRequested: true } or LeaderState { ReplicationRequested: true };

    /// <summary>
    /// Takes everything produced since the last call (possibly nothing) and starts a new batch. Sends what
    /// earlier inputs deferred to here (new entries to followers, the heartbeat round that waiting reads need),
    /// so call it after a burst of inputs, and handle the result before the next <see cref="TakeReady"/>.
    /// </summary>
    public Ready TakeReady()
    {
        if (role is LeaderState leader) FlushLeader(leader);
        var (from, entries) = log.TakeChanges();
        StorageWrite? write = null;
        if (hardStateChanged || from is not null)
            write = new StorageWrite(hardStateChanged ? new HardState(currentTerm, votedFor) : null, from, entries);
        hardStateChanged = false;
        var ready = new Ready(write, [.. outbox], [.. applied], [.. responses]);
        outbox.Clear();
        applied.Clear();
        responses.Clear();
        return ready;
    }

    private int Quorum => options.Members.Count / 2 + 1;

    private void Send(RaftMessage message) => outbox.Add(message);

    private void SetHardState(long term, int? vote)
    {
        if (term == currentTerm && vote == votedFor) return;
        currentTerm = term;
        votedFor = vote;
        hardStateChanged = true;
    }
}
