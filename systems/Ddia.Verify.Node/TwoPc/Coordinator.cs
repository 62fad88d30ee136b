using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Node.TwoPc;

/// <summary>
/// This node as the coordinator of the global transactions its clients begin (DDIA ch. 9, "two-phase commit"). Each
/// micro-op goes to the partition that owns its key (<see cref="Partitioning"/>); commit runs phase 1 (prepare on every
/// participant touched), then, if all voted yes, writes the COMMIT decision to <see cref="DecisionLog"/> (fsynced:
/// the commit point) and runs phase 2, retrying each participant until it acknowledges. Aborts are not logged
/// (presumed abort). After a crash, logged commits without DONE are completed in the background.
/// <para>
/// With <c>--unsafe-heuristic</c> the coordinator logs nothing and sends each commit once, answering committed anyway;
/// a participant that missed its commit message rolls back heuristically, so the transaction is split.
/// </para>
/// </summary>
internal sealed class Coordinator : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly NodeOptions options;
    private readonly Participant local;
    private readonly PeerClient peers;
    private readonly Partitioning partitioning;
    private readonly DecisionLog? log;   // null in unsafe mode
    private readonly long incarnation = Random.Shared.NextInt64(1, 1L << 40);
    private readonly ConcurrentDictionary<long, Global> running = new();
    // Global ids still undecided (running, or in phase 1): the decision route answers "pending" for these.
    private readonly ConcurrentDictionary<string, byte> undecided = new(StringComparer.Ordinal);
    // Decided commit (this run, or recovered from the log): the decision route answers "commit".
    private readonly ConcurrentDictionary<string, byte> committed = new(StringComparer.Ordinal);
    // Decided commit, phase 2 not yet acknowledged by every participant.
    private readonly ConcurrentDictionary<string, int[]> phase2 = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    // The step at which this process kills itself (a crash point, armed by --test-crash or POST /admin/crash-point).
    private volatile string? crashPoint;
    private readonly Timer sweeper;
    private long next;

    private sealed class Global(long id, string gtid)
    {
        public long Id { get; } = id;
        public string Gtid { get; } = gtid;
        /// <summary>Participants that got (or may have got) a micro-op; guarded by <see cref="Gate"/>.</summary>
        public SortedSet<int> Touched { get; } = [];
        /// <summary>Participants that got a write or append (only a crash between two of these can split anything).</summary>
        public HashSet<int> Written { get; } = [];
        /// <summary>One step at a time per transaction, like a database session.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public long LastUse { get; set; } = Environment.TickCount64;
        public bool Finished { get; set; }
    }

    public Coordinator(NodeOptions options, Participant local, PeerClient peers)
    {
        crashPoint = options.TestCrash;
        this.options = options;
        this.local = local;
        this.peers = peers;
        partitioning = new Partitioning(options.PeerHttp.Keys.Append(options.Id));
        if (!options.UnsafeHeuristic)
        {
            log = DecisionLog.Open(options.DataDir, out var unfinished);
            RecoveredDecisions = unfinished.Count;
            foreach (var (gtid, participants) in unfinished)
            {
                committed[gtid] = 0;
                phase2[gtid] = participants;
                _ = Task.Run(() => FinishCommitAsync(gtid, participants, stopping.Token));
            }
        }
        sweeper = new Timer(_ => SweepIdle(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public Partitioning Partitioning => partitioning;

    public long Incarnation => incarnation;

    public int RunningCount => running.Count;

    /// <summary>Commits decided but not yet acknowledged by every participant.</summary>
    public int PendingDecisions => phase2.Count;

    /// <summary>Unfinished commits found in the decision log at start.</summary>
    public int RecoveredDecisions { get; }

    public long Begin()
    {
        var id = Interlocked.Increment(ref next);
        var g = new Global(id, new GlobalTxnId(options.Id, incarnation, id).ToString());
        undecided[g.Gtid] = 0;
        running[id] = g;
        return id;
    }

    /// <summary>The decision for a participant in doubt: commit if decided so; pending while this incarnation still
    /// runs it; otherwise abort (presumed abort: never decided commit, or by a previous life that did not log it).</summary>
    public string Decision(string gtid) =>
        committed.ContainsKey(gtid) ? "commit" : undecided.ContainsKey(gtid) ? "pending" : "abort";

    /// <summary>One micro-op, at the key's owner. Any no or silence aborts the global transaction everywhere.</summary>
    public async Task<ParticipantAnswer> OpAsync(long id, TxnOp op)
    {
        if (!running.TryGetValue(id, out var g)) return ParticipantAnswer.No("unknown-transaction");
        await g.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (g.Finished) return ParticipantAnswer.No("unknown-transaction");
            g.LastUse = Environment.TickCount64;
            var owner = partitioning.Owner(op.Key);
            g.Touched.Add(owner);   // before sending: a timed-out op may still have begun a part there
            if (op.Kind != TxnOpKind.Read) g.Written.Add(owner);
            var answer = await SendOpAsync(owner, g.Gtid, op).ConfigureAwait(false);
            if (answer.Kind == AnswerKind.Ok) return answer;
            await AbortLockedAsync(g).ConfigureAwait(false);
            return answer.Kind == AnswerKind.Aborted ? answer : ParticipantAnswer.No("participant-unavailable");
        }
        finally
        {
            g.Gate.Release();
        }
    }

    public async Task<ParticipantAnswer> CommitAsync(long id)
    {
        if (!running.TryGetValue(id, out var g)) return ParticipantAnswer.No("unknown-transaction");
        await g.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (g.Finished) return ParticipantAnswer.No("unknown-transaction");
            g.Finished = true;
            return await TwoPhaseCommitAsync(g).ConfigureAwait(false);
        }
        finally
        {
            running.TryRemove(id, out _);
            undecided.TryRemove(g.Gtid, out _);
            g.Gate.Release();
        }
    }

    public async Task AbortAsync(long id)
    {
        if (!running.TryGetValue(id, out var g)) return;
        await g.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!g.Finished) await AbortLockedAsync(g).ConfigureAwait(false);
        }
        finally
        {
            g.Gate.Release();
        }
    }

    /// <summary>A whole transaction in one request: the results of its reads, or the first no.</summary>
    public async Task<(ParticipantAnswer Outcome, List<IReadOnlyList<long>?> Results)> ExecuteAsync(IReadOnlyList<TxnOp> ops)
    {
        var id = Begin();
        var results = new List<IReadOnlyList<long>?>(ops.Count);
        foreach (var op in ops)
        {
            var answer = await OpAsync(id, op).ConfigureAwait(false);
            if (answer.Kind != AnswerKind.Ok) return (answer, results);
            results.Add(op.Kind == TxnOpKind.Read ? answer.Value : null);
        }
        return (await CommitAsync(id).ConfigureAwait(false), results);
    }

    private async Task<ParticipantAnswer> TwoPhaseCommitAsync(Global g)
    {
        var gtid = g.Gtid;
        int[] participants = [.. g.Touched];
        if (participants.Length == 0) return ParticipantAnswer.Done;

        // Phase 1.
        if (CrashesAt("after-first-prepare", g))
        {
            await SendAsync(participants.First(g.Written.Contains), gtid, "prepare").ConfigureAwait(false);
            CrashForTest();
        }
        var votes = await Task.WhenAll(participants.Select(p => SendAsync(p, gtid, "prepare"))).ConfigureAwait(false);
        if (votes.Any(v => v.Kind != AnswerKind.Ok))
        {
            running.TryRemove(g.Id, out _);
            undecided.TryRemove(gtid, out _);
            await AbortParticipantsAsync(gtid, participants).ConfigureAwait(false);
            return ParticipantAnswer.No("prepare-failed");
        }

        // The decision. Safe mode: durable before anyone hears of it.
        if (log is not null)
        {
            try
            {
                log.AppendCommit(gtid, participants);
            }
            catch (IOException e)
            {
                // Whether the decision is on disk is unknown, and only a restart's recovery can tell, so stop here;
                // participants stay in doubt and ask the restarted coordinator.
                Environment.FailFast($"2pc coordinator: decision log write failed for {gtid}: {e.Message}");
            }
            phase2[gtid] = participants;
        }
        committed[gtid] = 0;
        undecided.TryRemove(gtid, out _);

        if (CrashesAt("after-decision", g))
        {
            await SendAsync(participants.First(g.Written.Contains), gtid, "commit").ConfigureAwait(false);
            CrashForTest();
        }

        // Phase 2.
        if (log is not null)
        {
            await FinishCommitAsync(gtid, participants, stopping.Token).ConfigureAwait(false);
        }
        else
        {
            // Unsafe: one attempt each, and committed regardless: a participant that missed it rolls back heuristically.
            foreach (var p in participants) await SendAsync(p, gtid, "commit").ConfigureAwait(false);
        }
        return ParticipantAnswer.Done;
    }

    /// <summary>Phase 2 of a logged commit: each participant in turn until it acknowledges, backing off 100 ms → 1 s,
    /// for as long as the process lives; then DONE.</summary>
    private async Task FinishCommitAsync(string gtid, int[] participants, CancellationToken ct)
    {
        try
        {
            foreach (var p in participants)
            {
                var backoff = FirstBackoff;
                while (true)
                {
                    var answer = await SendAsync(p, gtid, "commit", ct).ConfigureAwait(false);
                    if (answer.Kind == AnswerKind.Ok) break;
                    if (answer.Kind == AnswerKind.Aborted)
                    {
                        // A definite answer that retrying cannot change: the participant aborted what was decided commit.
                        await Console.Error.WriteLineAsync($"2pc coordinator: n{p} refused commit of {gtid}: {answer.Reason}").ConfigureAwait(false);
                        break;
                    }
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(2 * backoff.Ticks, MaxBackoff.Ticks));
                }
            }
            log!.AppendDone(gtid);
            phase2.TryRemove(gtid, out _);
        }
        catch (Exception e) when (e is ObjectDisposedException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Stopping: the next start finds the COMMIT without DONE and carries on.
        }
    }

    /// <summary>Under the transaction's gate: decides abort and tells every participant touched, once each.</summary>
    private async Task AbortLockedAsync(Global g)
    {
        g.Finished = true;
        running.TryRemove(g.Id, out _);
        undecided.TryRemove(g.Gtid, out _);
        await AbortParticipantsAsync(g.Gtid, [.. g.Touched]).ConfigureAwait(false);
    }

    /// <summary>Best effort: a participant that misses it aborts its unprepared part when idle, or, prepared, learns
    /// "abort" when it asks.</summary>
    private async Task AbortParticipantsAsync(string gtid, int[] participants) =>
        await Task.WhenAll(participants.Select(p => SendAsync(p, gtid, "abort"))).ConfigureAwait(false);

    private Task<ParticipantAnswer> SendOpAsync(int node, string gtid, TxnOp op)
    {
        if (node == options.Id)
        {
            return op.Kind switch
            {
                TxnOpKind.Read => local.ReadAsync(gtid, op.Key, op.ForUpdate),
                TxnOpKind.Write => local.WriteAsync(gtid, op.Key, op.List),
                _ => local.AppendAsync(gtid, op.Key, op.Element),
            };
        }
        return op.Kind switch
        {
            TxnOpKind.Read => peers.SendAsync(node, gtid, "read", new { key = op.Key, forUpdate = op.ForUpdate }, PeerClient.OpTimeout),
            TxnOpKind.Write => peers.SendAsync(node, gtid, "write", new { key = op.Key, value = op.List }, PeerClient.OpTimeout),
            _ => peers.SendAsync(node, gtid, "append", new { key = op.Key, element = op.Element }, PeerClient.OpTimeout),
        };
    }

    /// <summary>prepare, commit or abort, in-process for this node, else over HTTP.</summary>
    private Task<ParticipantAnswer> SendAsync(int node, string gtid, string action, CancellationToken ct = default)
    {
        if (node == options.Id)
        {
            return action switch
            {
                "prepare" => local.PrepareAsync(gtid),
                "commit" => local.CommitAsync(gtid),
                _ => local.AbortAsync(gtid),
            };
        }
        var timeout = action == "prepare" ? PeerClient.OpTimeout : PeerClient.DecisionTimeout;
        return peers.SendAsync(node, gtid, action, null, timeout, ct);
    }

    /// <summary>Test hook (<c>--test-crash</c>): SIGKILL ourselves, exactly what kill -9 from outside does.</summary>
    /// <summary>The crash points: <c>after-first-prepare</c> (one participant prepared, the others never asked) and
    /// <c>after-decision</c> (decided commit, logged in safe mode, and told only the first participant), each reached
    /// by a transaction that wrote at two or more participants. Null disarms.</summary>
    public static readonly IReadOnlySet<string> CrashPoints = new HashSet<string>(StringComparer.Ordinal) { "after-first-prepare", "after-decision" };

    /// <summary>Arms (or, with null, disarms) a crash point: the next transaction that wrote at two or more participants
    /// and reaches it kills this process with SIGKILL, as a kill -9 landing exactly there would.</summary>
    public void ArmCrash(string? point) =>
        crashPoint = point is null || CrashPoints.Contains(point) ? point : throw new ArgumentException($"unknown crash point {point}", nameof(point));

    public string? CrashPoint => crashPoint;

    // A transaction that wrote at one participant cannot be split, so crashing in it would show nothing.
    private bool CrashesAt(string point, Global g) => crashPoint == point && g.Written.Count >= 2;

    private static void CrashForTest()
    {
        Console.Error.WriteLine("2pc coordinator: crash point reached: killing myself");
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>A client that goes quiet this long loses its transaction (as under --system txn).</summary>
    private static readonly TimeSpan ClientIdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Global transactions whose client went quiet for <see cref="ClientIdleTimeout"/> are aborted.</summary>
    private void SweepIdle()
    {
        var now = Environment.TickCount64;
        foreach (var g in running.Values)
        {
            if (now - g.LastUse <= ClientIdleTimeout.TotalMilliseconds || !g.Gate.Wait(0)) continue;
            _ = Task.Run(async () =>
            {
                try
                {
                    if (!g.Finished) await AbortLockedAsync(g).ConfigureAwait(false);
                }
                finally
                {
                    g.Gate.Release();
                }
            });
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"coordinator n{options.Id}.{incarnation}");

    public void Dispose()
    {
        sweeper.Dispose();
        stopping.Cancel();
        log?.Dispose();
    }
}
