using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Node.Versioned;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Node.MultiLeader;

/// <summary>One of our writes waiting to be shipped: its sequence number here and the key's siblings right after it.</summary>
internal sealed record OutboundWrite(long Seq, string Key, Siblings Siblings);

/// <summary>
/// A multi-leader node (DDIA §5.3, all-to-all topology): it takes every write itself, stores it durably and acknowledges
/// it, then ships it asynchronously to every other leader, which merges it under the conflict rule.
/// <para>
/// Durability: <c>DIR/store.log</c> (<see cref="VersionedStore"/>) records each local write with its origin (this node)
/// and sequence number, so after kill -9 the writes not yet shipped are recovered and still sent; a replicated write is
/// recorded with its origin and sequence number too, which is how a node knows what it applied from whom.
/// <c>DIR/positions.json</c> keeps, per peer, the last of our writes it acknowledged (not fsynced: after losing it we
/// resend, and applying a write twice changes nothing).
/// </para>
/// <para>
/// Protocol: <c>POST /peer/replicate {"from": 1, "entries": [{"q": seq, "k": key, "s": [siblings]}, ...]}</c>, entries in
/// sequence order; the peer merges those above what it applied from that origin, fsyncs, and answers
/// <c>{"acked": seq}</c> (the last one it has). Each entry carries the key's whole sibling set at the writer, not just the
/// new value, so a peer never holds a later write of a node without the earlier ones that write's counter implies.
/// </para>
/// </summary>
internal sealed class MultiLeaderNode : IDisposable
{
    private const int BatchSize = 200;
    private static readonly TimeSpan ShipInterval = TimeSpan.FromMilliseconds(75);
    private static readonly TimeSpan ShipTimeout = TimeSpan.FromSeconds(2);

    private readonly NodeOptions options;
    private readonly VersionedStore store;
    private readonly PeerHttp peers;
    private readonly string positionsPath;
    private readonly Lock gate = new();
    private readonly List<OutboundWrite> outbox = [];
    private readonly Dictionary<int, long> acked = [];
    private readonly Dictionary<int, long> applied = [];
    private readonly Dictionary<int, SemaphoreSlim> wake = [];
    private readonly Lock writeGate = new();
    private readonly SemaphoreSlim applyGate = new(1);
    private readonly Lock positionsGate = new();
    private readonly CancellationTokenSource stop = new();
    private long localSeq;

    public MultiLeaderNode(NodeOptions options)
    {
        this.options = options;
        Policy = ConflictPolicies.Parse(options.Conflicts);
        peers = new PeerHttp(options.PeerHttp);
        positionsPath = Path.Combine(options.DataDir, "positions.json");
        foreach (var p in options.PeerHttp.Keys)
        {
            acked[p] = 0;
            applied[p] = 0;
            wake[p] = new SemaphoreSlim(0);
        }
        store = VersionedStore.Open(options.DataDir, Policy, r =>
        {
            if (r is not { Origin: { } origin, Seq: { } seq }) return;
            if (origin == options.Id)
            {
                outbox.Add(new OutboundWrite(seq, r.Key, r.Siblings));
                localSeq = Math.Max(localSeq, seq);
            }
            else
            {
                applied[origin] = Math.Max(applied.GetValueOrDefault(origin), seq);
            }
        });
        if (File.Exists(positionsPath))
        {
            try
            {
                var saved = JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(positionsPath)) ?? [];
                foreach (var (peer, seq) in saved)
                {
                    if (int.TryParse(peer, CultureInfo.InvariantCulture, out var id) && acked.ContainsKey(id)) acked[id] = Math.Min(seq, localSeq);
                }
            }
            catch (JsonException)
            {
                // Torn by a crash: resend from the start.
            }
        }
        Trim();
    }

    public ConflictPolicy Policy { get; }

    public OffsetClock Clock { get; } = new();

    public Siblings Get(string key) => store.Get(key);

    /// <summary>Takes a client's write: durable here when the task completes; shipped to the peers later.</summary>
    public async Task Put(string key, string value, VersionVector context)
    {
        Task<Siblings> written;
        long seq;
        lock (writeGate)
        {
            // Sequence numbers are handed out in the store's write order, so the file replays them in order.
            lock (gate) seq = ++localSeq;
            written = store.UpdateAsync(key, held => held.Put(Policy, options.Id, value, context, Clock.NowMs()).After, options.Id, seq, force: true);
        }
        var after = await written.ConfigureAwait(false);
        lock (gate)
        {
            // Concurrent puts finish in any order: keep the outbox sorted (the ship loop sends only a gapless run).
            var at = outbox.Count;
            while (at > 0 && outbox[at - 1].Seq > seq) at--;
            outbox.Insert(at, new OutboundWrite(seq, key, after));
        }
        foreach (var w in wake.Values)
        {
            if (w.CurrentCount == 0) w.Release();
        }
    }

    /// <summary>A peer's batch (<c>/peer/replicate</c>): merges the entries not applied yet, durably; returns the last
    /// sequence number of <paramref name="from"/> this node has.</summary>
    public async Task<long> Apply(int from, IReadOnlyList<(long Seq, string Key, Siblings Siblings)> entries)
    {
        await applyGate.WaitAsync().ConfigureAwait(false);
        try
        {
            long last;
            lock (gate) last = applied.GetValueOrDefault(from);
            var fresh = entries.Where(e => e.Seq > last).OrderBy(e => e.Seq)
                .Select(e => new StoreRecord(e.Key, e.Siblings, from, e.Seq)).ToList();
            await store.MergeAllAsync(fresh).ConfigureAwait(false);
            if (fresh.Count > 0) last = fresh[^1].Seq!.Value;
            lock (gate) applied[from] = last;
            return last;
        }
        finally
        {
            applyGate.Release();
        }
    }

    public object Status()
    {
        lock (gate)
        {
            return new
            {
                system = "multi-leader",
                id = options.Id,
                node = HttpApi.NodeName(options.Id),
                role = "leader",
                wallNowMs = Clock.NowMs(),
                clockOffsetMs = Clock.OffsetMs,
                conflicts = options.Conflicts,
                localWrites = localSeq,
                applied = applied.ToDictionary(kv => HttpApi.NodeName(kv.Key), kv => kv.Value),
                pending = acked.ToDictionary(kv => HttpApi.NodeName(kv.Key), kv => localSeq - kv.Value),
                keys = store.Count,
            };
        }
    }

    public void Start()
    {
        foreach (var peer in acked.Keys) _ = Task.Run(() => ShipLoop(peer, stop.Token));
    }

    /// <summary>Pushes our writes to one peer, in order, a batch at a time, whenever there are new ones (and every
    /// <see cref="ShipInterval"/> to retry).</summary>
    private async Task ShipLoop(int peer, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await wake[peer].WaitAsync(ShipInterval, ct).ConfigureAwait(false);
                while (true)
                {
                    List<OutboundWrite> batch;
                    lock (gate) batch = NextBatch(acked[peer]);
                    if (batch.Count == 0) break;
                    var body = new
                    {
                        from = options.Id,
                        entries = batch.Select(w => new { q = w.Seq, k = w.Key, s = SiblingJson.ToDto(w.Siblings) }),
                    };
                    var (reply, _) = await peers.PostAsync(peer, "/peer/replicate", body, ShipTimeout, ct: ct).ConfigureAwait(false);
                    if (reply is not { Ok: true } || !reply.Body.TryGetProperty("acked", out var a) || !a.TryGetInt64(out var upTo)) break;
                    lock (gate) acked[peer] = Math.Max(acked[peer], Math.Min(upTo, localSeq));
                    SavePositions();
                    Trim();
                    if (batch.Count < BatchSize) break;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"n{options.Id}: shipping to n{peer}: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    /// <summary>Our writes after <paramref name="acked"/>, without a gap (a write still being fsynced ends the run).</summary>
    private List<OutboundWrite> NextBatch(long acked)
    {
        var batch = new List<OutboundWrite>();
        var next = acked + 1;
        // The outbox is sorted by sequence number: start at the first write the peer lacks (a long-unreachable peer
        // keeps many writes here, and the others' batches should not scan them).
        int lo = 0, hi = outbox.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (outbox[mid].Seq < next) lo = mid + 1;
            else hi = mid;
        }
        for (var i = lo; i < outbox.Count && outbox[i].Seq == next && batch.Count < BatchSize; i++, next++) batch.Add(outbox[i]);
        return batch;
    }

    private void SavePositions()
    {
        string json;
        lock (gate) json = JsonSerializer.Serialize(acked.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value));
        lock (positionsGate)
        {
            var temp = positionsPath + ".tmp";
            File.WriteAllText(temp, json);
            File.Move(temp, positionsPath, overwrite: true);
        }
    }

    /// <summary>Forgets the writes every peer has.</summary>
    private void Trim()
    {
        lock (gate)
        {
            var all = acked.Count == 0 ? localSeq : acked.Values.Min();
            var drop = outbox.FindIndex(w => w.Seq > all);
            outbox.RemoveRange(0, drop < 0 ? outbox.Count : drop);
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        store.Dispose();
        peers.Dispose();
        foreach (var w in wake.Values) w.Dispose();
        applyGate.Dispose();
        stop.Dispose();
    }
}
