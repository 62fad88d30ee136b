using System.Diagnostics;
using System.Text.Json;
using Ddia.Verify.Node.Versioned;
using Ddia.Verify.Systems.Replication.Leaderless;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Node.Leaderless;

/// <summary>How a coordinated write ended.</summary>
internal enum WriteOutcome
{
    /// <summary>W replicas (home ones, or with a sloppy quorum any) acknowledged it durably.</summary>
    Acked,
    /// <summary>Sent, but fewer than W acknowledged in time: some replicas may have it.</summary>
    Unknown,
    /// <summary>No replica got it: not written locally, and every send was refused before it left.</summary>
    NotDone,
}

/// <summary>
/// A Dynamo-style node (DDIA §5.4 "Leaderless Replication"): every node coordinates client requests for any key and is a
/// replica of the keys whose <see cref="PreferenceList"/> names it.
/// <para>
/// A put makes the new version (LWW: the coordinator's offset wall clock and id; version vectors: a new dot of the
/// coordinator over the client's context, which is why under version vectors a node that is not a home replica of the
/// key forwards the put to one that is), sends the key's siblings to all N home replicas in parallel and answers once W
/// acknowledged durably. A get asks all N, answers once R did, with their merged siblings, and (read repair) writes the
/// merged siblings back to every replica that answered with less. With a sloppy quorum, home replicas that fail or stay
/// silent are stood in for by the next nodes of the ring, which keep the write as a hint and hand it off later.
/// </para>
/// <para>
/// Peer protocol (on the client endpoint): <c>POST /peer/write {"k", "s": [siblings], "hint": home|null}</c> merges the
/// siblings into the replica's store (or, with a hint, into its hint log) durably and answers <c>{"ok": true}</c>;
/// <c>POST /peer/read {"k"}</c> answers <c>{"s": [siblings]}</c>, the replica's own copy (also a debug route for tests).
/// </para>
/// </summary>
internal sealed class LeaderlessNode : IDisposable
{
    /// <summary>How long a coordinator waits for its quorum.</summary>
    public static readonly TimeSpan QuorumTimeout = TimeSpan.FromSeconds(1);

    /// <summary>With a sloppy quorum: how long home replicas get before stand-ins are asked.</summary>
    private static readonly TimeSpan HomeGrace = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan HandoffInterval = TimeSpan.FromMilliseconds(500);

    private readonly NodeOptions options;
    private readonly VersionedStore store;
    private readonly HintLog hints;
    private readonly PeerHttp peers;
    private readonly CancellationTokenSource stop = new();
    private long readRepairs;
    private long hintsDelivered;

    public LeaderlessNode(NodeOptions options)
    {
        this.options = options;
        Policy = ConflictPolicies.Parse(options.Conflicts);
        Quorum = Quorum.Of(options.ClusterIds.Count, options.N, options.W, options.R);
        Preferences = new PreferenceList(options.ClusterIds, Quorum.N);
        store = VersionedStore.Open(options.DataDir, Policy, compact: true);
        hints = HintLog.Open(options.DataDir, Policy);
        peers = new PeerHttp(options.PeerHttp);
    }

    public ConflictPolicy Policy { get; }

    public Quorum Quorum { get; }

    public PreferenceList Preferences { get; }

    public OffsetClock Clock { get; } = new();

    public int Id => options.Id;

    /// <summary>Whether this node must pass the put to a home replica: version vectors need the dot's node to hold all
    /// of its earlier writes of the key, which only a home replica does.</summary>
    public bool MustForward(string key) => Policy == ConflictPolicy.VersionVectors && !Preferences.Home(key).Contains(options.Id);

    /// <summary>Forwards a put to the key's home replicas in ring order until one takes it; its answer, or null when
    /// none was reachable (nothing sent), or a reply of 504 when one got it but did not answer.</summary>
    public async Task<(PeerReply? Reply, bool Sent)> ForwardPutAsync(VersionedApi.PutRequest request)
    {
        foreach (var home in Preferences.Home(request.Key!))
        {
            var (reply, failure) = await peers.PostAsync(home, "/kv/put", request, QuorumTimeout + TimeSpan.FromSeconds(1),
                HttpApi.NodeName(options.Id), stop.Token).ConfigureAwait(false);
            if (reply is not null) return (reply, true);
            if (failure == PeerFailure.NoAnswer) return (null, true);
        }
        return (null, false);
    }

    /// <summary>Coordinates a client's write.</summary>
    public async Task<WriteOutcome> PutAsync(string key, string value, VersionVector context)
    {
        var home = Preferences.Home(key);
        Siblings toSend;
        var acks = 0;
        if (home.Contains(options.Id))
        {
            // The local replica's write is where the version is made (atomically with reading its siblings).
            toSend = await store.UpdateAsync(key, held => held.Put(Policy, options.Id, value, context, Clock.NowMs()).After).ConfigureAwait(false);
            acks = 1;
        }
        else
        {
            toSend = Siblings.Empty.Put(Policy, options.Id, value, context, Clock.NowMs()).After;
        }
        var clock = Stopwatch.StartNew();
        var sends = new Dictionary<Task<PeerFailure?>, int>();
        var maybeDelivered = acks > 0;
        foreach (var h in home.Where(h => h != options.Id)) sends[Send(h, key, toSend, null)] = h;
        var acked = new HashSet<int>();
        var standIns = false;
        while (acks < Quorum.W && clock.Elapsed < QuorumTimeout)
        {
            var sloppyDue = options.SloppyQuorum && !standIns;
            if (sends.Count == 0 && !sloppyDue) break;
            var wait = (sloppyDue ? HomeGrace : QuorumTimeout) - clock.Elapsed;
            if (sends.Count > 0 && wait > TimeSpan.Zero)
            {
                var done = await Task.WhenAny(sends.Keys.Append(Task.Delay(wait))).ConfigureAwait(false);
                if (done is Task<PeerFailure?> send && sends.Remove(send, out var node))
                {
                    if (send.Result is null)
                    {
                        acks++;
                        acked.Add(node);
                    }
                    maybeDelivered |= send.Result != PeerFailure.NotSent;
                    continue;
                }
            }
            if (sloppyDue && (sends.Count == 0 || clock.Elapsed >= HomeGrace))
            {
                // Stand-ins for the home replicas that have not acknowledged: the next nodes of the ring, one each.
                standIns = true;
                var missing = home.Where(h => h != options.Id && !acked.Contains(h)).ToList();
                foreach (var (fallback, intended) in Preferences.Fallbacks(key).Where(f => f != options.Id).Zip(missing))
                    sends[Send(fallback, key, toSend, intended)] = fallback;
            }
        }
        // Sends still running may yet deliver it.
        return acks >= Quorum.W ? WriteOutcome.Acked : maybeDelivered || sends.Count > 0 ? WriteOutcome.Unknown : WriteOutcome.NotDone;
    }

    /// <summary>Sends a replica (or stand-in) the siblings to merge: null once it acknowledged them durably, else why not.</summary>
    private async Task<PeerFailure?> Send(int node, string key, Siblings siblings, int? hint)
    {
        var body = new VersionedApi.PeerWrite(key, SiblingJson.ToDto(siblings), hint);
        var (reply, failure) = await peers.PostAsync(node, "/peer/write", body, QuorumTimeout, ct: stop.Token).ConfigureAwait(false);
        return reply is null ? failure : reply.Ok ? null : PeerFailure.NoAnswer;
    }

    /// <summary>Coordinates a client's read: the merged siblings of R home replicas, or null when fewer answered in time.</summary>
    public async Task<Siblings?> GetAsync(string key)
    {
        var home = Preferences.Home(key);
        var reads = home.Select(h => (Node: h, Task: h == options.Id ? Task.FromResult<Siblings?>(store.Get(key)) : Read(h, key))).ToList();
        var clock = Stopwatch.StartNew();
        var pending = reads.Select(r => r.Task).ToList();
        var answers = new List<Siblings>();
        while (answers.Count < Quorum.R && pending.Count > 0 && clock.Elapsed < QuorumTimeout)
        {
            var done = await Task.WhenAny(pending.Append(Task.Delay(QuorumTimeout - clock.Elapsed))).ConfigureAwait(false);
            if (done is not Task<Siblings?> read || !pending.Remove(read)) break;   // the deadline
            if (read.Result is { } s) answers.Add(s);
        }
        if (answers.Count < Quorum.R) return null;
        if (options.ReadRepair) _ = Task.Run(() => Repair(key, reads));
        return answers.Aggregate(Siblings.Empty, (m, s) => m.Merge(Policy, s));
    }

    private async Task<Siblings?> Read(int node, string key)
    {
        var (reply, _) = await peers.PostAsync(node, "/peer/read", new { k = key }, QuorumTimeout, ct: stop.Token).ConfigureAwait(false);
        return reply is { Ok: true } && reply.Body.TryGetProperty("s", out var s)
            ? SiblingJson.FromDto(Policy, s.Deserialize<SiblingDto?[]>(SiblingJson.Options))
            : null;
    }

    /// <summary>Read repair: once every replica answered (or timed out), writes the merge of all answers back to those
    /// that answered with less.</summary>
    private async Task Repair(string key, List<(int Node, Task<Siblings?> Task)> reads)
    {
        try
        {
            var answered = new List<(int Node, Siblings Siblings)>();
            foreach (var (node, task) in reads)
            {
                if (await task.ConfigureAwait(false) is { } s) answered.Add((node, s));
            }
            var merged = answered.Aggregate(Siblings.Empty, (m, a) => m.Merge(Policy, a.Siblings));
            foreach (var (node, siblings) in answered.Where(a => !a.Siblings.Equals(merged)))
            {
                Interlocked.Increment(ref readRepairs);
                if (node == options.Id) await store.MergeAsync(key, merged).ConfigureAwait(false);
                else _ = await Send(node, key, merged, null).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary><c>/peer/write</c>: a replica's (or, with a hint, a stand-in's) durable write.</summary>
    public async Task Accept(string key, Siblings siblings, int? hint)
    {
        if (hint is { } home && home != options.Id) hints.Add(home, key, siblings);
        else await store.MergeAsync(key, siblings).ConfigureAwait(false);
    }

    /// <summary><c>/peer/read</c>: this replica's own siblings.</summary>
    public Siblings Local(string key) => store.Get(key);

    public void Start() => _ = Task.Run(() => HandoffLoop(stop.Token));

    /// <summary>Hinted handoff: delivers held writes to their home replicas once they answer, then forgets them.</summary>
    private async Task HandoffLoop(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(HandoffInterval, ct).ConfigureAwait(false);
                var unreachable = new HashSet<int>();
                foreach (var hint in hints.Snapshot())
                {
                    if (unreachable.Contains(hint.Home) || !options.PeerHttp.ContainsKey(hint.Home)) continue;
                    if (await Send(hint.Home, hint.Key, hint.Siblings, null).ConfigureAwait(false) is null)
                    {
                        if (hints.Delivered(hint.Id)) Interlocked.Increment(ref hintsDelivered);
                    }
                    else
                    {
                        unreachable.Add(hint.Home);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"n{options.Id}: hinted handoff: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    public object Status() => new
    {
        system = "leaderless",
        id = options.Id,
        node = HttpApi.NodeName(options.Id),
        role = "replica",
        wallNowMs = Clock.NowMs(),
        clockOffsetMs = Clock.OffsetMs,
        n = Quorum.N,
        w = Quorum.W,
        r = Quorum.R,
        sloppyQuorum = options.SloppyQuorum,
        readRepair = options.ReadRepair,
        conflicts = options.Conflicts,
        hintsPending = hints.Pending,
        hintsDelivered = Interlocked.Read(ref hintsDelivered),
        readRepairs = Interlocked.Read(ref readRepairs),
        keys = store.Count,
    };

    public void Dispose()
    {
        stop.Cancel();
        store.Dispose();
        hints.Dispose();
        peers.Dispose();
        stop.Dispose();
    }
}
