using Ddia.Verify.Checkers.Transactions;
using System.Numerics;
using System.Runtime.InteropServices;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing.Transactions;

/// <summary>
/// Simulated transactional databases that produce Elle histories (list-append or rw-register) with
/// known ground truth. Deterministic for <see cref="TxnSimulation.Seed"/> (one <see cref="Random"/>,
/// no CsCheck), fast enough for benchmarks, and compact: the history is one array of exactly
/// 2 × Transactions ops, micro-ops are shared between invocation and completion, and every read of the
/// same committed version of a key shares one read micro-op value. A list-append history's size is
/// mostly its read lists (10^6 serializable txns with the default settings: 625K distinct lists, 80M
/// elements, about 1 GB in all), so the time to build a big one is mostly the memory's.
/// <para>
/// Virtual time: each simulation step is 1 µs, and each step advances one client chosen at random among
/// <see cref="TxnSimulation.Processes"/>, so up to that many txns overlap at random. A txn's steps are:
/// invoke; then its work (below); then complete. Every event has its own time, so
/// <see cref="Txns.Format"/> and <see cref="Txns.Parse"/> round-trip the history exactly.
/// </para>
/// <list type="bullet">
/// <item>Serializable: one step executes the whole txn against the current state and commits it, so the
/// history is strict serializable in <see cref="SimulatedHistory.CommitOrder"/>.</item>
/// <item>SnapshotIsolation: a start step takes the snapshot (the commits so far) and runs the micro-ops
/// on it plus the txn's own writes; a later commit step aborts it (completion fail; info stays info) if
/// a txn that committed after the snapshot wrote a key it writes (first committer wins), else installs
/// its writes.</item>
/// <item>ReadCommitted: each micro-op runs at a step of its own, a read seeing the latest committed state
/// plus the txn's own writes; a commit step installs the writes, with no conflict check. A write first
/// takes the key's write lock, held to commit, as real RC databases do (a txn waits for a lock, and one
/// whose wait would be a deadlock aborts, completing fail): so no one installs a write to a key between a
/// txn's write of it and its commit, and what a txn read of its own writes stays in the key's final order.
/// Lost updates still happen: two txns read the same version, one commits, then the other writes.</item>
/// </list>
/// <para>
/// Keys: an active window of <see cref="TxnSimulation.ActiveKeys"/> integer keys; each micro-op picks
/// the window's i-th key with probability 2^-(i+1) (the last one takes the remainder). A key that has
/// been given <see cref="TxnSimulation.MaxWritesPerKey"/> writes leaves the window and a fresh key
/// (the next integer) joins it at the cold end. Written values are 1, 2, 3, … per key, so unique per key.
/// </para>
/// <para>
/// Outcomes, drawn at invocation: with probability FailRate the database aborts the txn up front (it
/// does nothing, completes fail); with probability InfoRate it completes info, having committed or not
/// with probability 1/2 each (a committed one takes effect at its commit step), and its client then
/// continues as process id + Processes; otherwise it runs and completes ok (SI may still abort it).
/// </para>
/// </summary>
public static class TxnSimulator
{
    /// <summary>Simulates a run; see the class summary for what each setting does.</summary>
    public static SimulatedHistory Run(TxnSimulation settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Transactions);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Processes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MinMops, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxMops, settings.MinMops);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.ActiveKeys, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.ActiveKeys, 30);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxWritesPerKey, 1);
        if (settings.ReadFraction is < 0 or > 1 || settings.InfoRate is < 0 or > 1 || settings.FailRate is < 0 or > 1
            || settings.InfoRate + settings.FailRate > 1)
            throw new ArgumentOutOfRangeException(nameof(settings), "ReadFraction, InfoRate and FailRate are fractions; InfoRate + FailRate ≤ 1");
        return new TxnEngine(settings).Run();
    }
}

internal sealed class TxnEngine(TxnSimulation s)
{
    private const long StepNanos = 1_000;
    private const int PinnedFrom = 16;

    private enum Phase : byte { Idle, Invoked, Committing, Done }

    private sealed class KeyState(int id, Value key)
    {
        public readonly int Id = id;
        public readonly Value Key = key;
        public readonly Value ReadNil = Mop(Txns.ReadName, key, Value.Nil);
        public int Issued;                      // writes given out so far
        public Client? Holder;                  // RC: the txn holding the key's write lock
        public Value[] Elements = new Value[4]; // committed values, in commit order
        public int Length;                      // how many of Elements are committed
        public int Versions;                    // commits that wrote the key (RC: the version a read sees)
        public List<(int Seq, int Length)>? History; // SI: the length after each commit that wrote the key
        public Value?[]? ReadMops;              // the read micro-op of each committed length, made once
    }

    private sealed class Client(int process, int maxMops)
    {
        public int Process = process;
        public Phase Phase;
        public int Mops;
        public int Next;                        // RC: the next micro-op to run
        public readonly KeyState[] Keys = new KeyState[maxMops];
        public readonly bool[] Writes = new bool[maxMops];
        public readonly Value[] Invoked = new Value[maxMops];
        public readonly Value[] Results = new Value[maxMops];
        public readonly int[] VersionSeen = new int[maxMops];
        public Value InvokedValue = Value.Nil;
        public int Position;                    // history position of the invocation
        public OpType Outcome;
        public int Snapshot;
        public bool AnyRead;
        public KeyState? WaitingFor;            // RC: the key whose write lock it waits for
    }

    private readonly Random random = new(s.Seed);
    private readonly List<KeyState> keys = [];
    private readonly KeyState[] window = new KeyState[s.ActiveKeys];
    private readonly Op[] history = new Op[2 * s.Transactions];
    private int count;
    private long now;
    private int issued;
    private readonly List<int> commitOrder = [];
    private readonly int[]? snapshots = s.Isolation == TxnIsolation.SnapshotIsolation ? new int[2 * s.Transactions] : null;
    private readonly List<SiTxn> siCommits = [];
    private readonly List<(int Key, int Version, int Position)> rcUpdates = [];

    private readonly record struct SiTxn(int Position, int Snapshot, int Seq, KeyState[] Reads, KeyState[] Writes);

    public SimulatedHistory Run()
    {
        snapshots?.AsSpan().Fill(-1);
        for (var i = 0; i < window.Length; i++) window[i] = NewKey();
        var clients = new Client[s.Processes];
        var active = new List<Client>(s.Processes);
        for (var p = 0; p < s.Processes; p++)
        {
            clients[p] = new Client(p, s.MaxMops);
            if (s.Transactions > 0) active.Add(clients[p]);
        }

        while (active.Count > 0)
        {
            now += StepNanos;
            var slot = random.Next(active.Count);
            var c = active[slot];
            switch (c.Phase)
            {
                case Phase.Idle when issued < s.Transactions:
                    Invoke(c);
                    break;
                case Phase.Idle:
                    active[slot] = active[^1];
                    active.RemoveAt(active.Count - 1);
                    break;
                case Phase.Invoked:
                    Work(c);
                    break;
                case Phase.Committing:
                    Commit(c);
                    break;
                default:
                    Complete(c);
                    break;
            }
        }

        var h = new HistoryList(history);
        return new SimulatedHistory(s, h, commitOrder, snapshots, DangerousPairs(), LostUpdates());
    }

    private KeyState NewKey()
    {
        var k = new KeyState(keys.Count, Value.Of(keys.Count));
        if (s.Isolation == TxnIsolation.SnapshotIsolation) k.History = [];
        keys.Add(k);
        return k;
    }

    /// <summary>Window slot i with probability 2^-(i+1): the count of trailing one bits of a random int.</summary>
    private int PickSlot() => Math.Min(BitOperations.TrailingZeroCount(~(uint)random.Next()), window.Length - 1);

    private void Invoke(Client c)
    {
        issued++;
        c.Mops = s.MinMops + random.Next(s.MaxMops - s.MinMops + 1);
        c.AnyRead = false;
        c.Next = 0;
        var writeName = s.Workload == TxnWorkload.ListAppend ? Txns.AppendName : Txns.WriteName;
        var mops = new Value[c.Mops];
        for (var i = 0; i < c.Mops; i++)
        {
            var slot = PickSlot();
            var k = window[slot];
            var write = random.NextDouble() >= s.ReadFraction;
            c.Keys[i] = k;
            c.Writes[i] = write;
            if (write)
            {
                var mop = Mop(writeName, k.Key, Value.Of(++k.Issued));
                c.Invoked[i] = c.Results[i] = mops[i] = mop;
                if (k.Issued == s.MaxWritesPerKey) Retire(slot);
            }
            else
            {
                c.Invoked[i] = mops[i] = k.ReadNil;
                c.AnyRead = true;
            }
        }
        c.InvokedValue = Value.List(ImmutableCollectionsMarshal.AsImmutableArray(mops));
        var roll = random.NextDouble();
        var runs = true;
        if (roll < s.FailRate)
        {
            c.Outcome = OpType.Fail;
            runs = false;
        }
        else if (roll < s.FailRate + s.InfoRate)
        {
            c.Outcome = OpType.Info;
            runs = random.Next(2) == 0;
        }
        else
        {
            c.Outcome = OpType.Ok;
        }
        c.Position = count;
        history[count] = new Op(count, now, OpType.Invoke, c.Process, Txns.F, c.InvokedValue);
        count++;
        c.Phase = runs ? Phase.Invoked : Phase.Done;
    }

    /// <summary>The key leaves the window; the keys colder than it move up one and a fresh key takes the cold end.</summary>
    private void Retire(int slot)
    {
        Array.Copy(window, slot + 1, window, slot, window.Length - slot - 1);
        window[^1] = NewKey();
    }

    private void Work(Client c)
    {
        switch (s.Isolation)
        {
            case TxnIsolation.Serializable:
                // Atomic: writes go straight into the state, so later reads of the txn see them.
                for (var i = 0; i < c.Mops; i++)
                {
                    var k = c.Keys[i];
                    if (c.Writes[i]) Add(k, c.Invoked[i].Items[2]);
                    else c.Results[i] = CommittedRead(k, k.Length);
                }
                commitOrder.Add(c.Position);
                c.Phase = Phase.Done;
                break;
            case TxnIsolation.SnapshotIsolation:
                c.Snapshot = commitOrder.Count;
                snapshots![c.Position] = c.Snapshot;
                for (var i = 0; i < c.Mops; i++)
                    if (!c.Writes[i]) c.Results[i] = Read(c, i, SnapshotLength(c.Keys[i], c.Snapshot));
                c.Phase = Phase.Committing;
                break;
            default:
                var at = c.Next++;
                if (c.Writes[at] && !Lock(c, c.Keys[at]))
                {
                    c.Next--;   // try this micro-op again at a later step
                    break;
                }
                if (c.Phase == Phase.Done) break;   // a deadlock victim
                if (!c.Writes[at])
                {
                    c.VersionSeen[at] = c.Keys[at].Versions;
                    c.Results[at] = Read(c, at, c.Keys[at].Length);
                }
                if (c.Next == c.Mops) c.Phase = Phase.Committing;
                break;
        }
    }

    /// <summary>A micro-op [f k v]; Value.List(params) would copy its argument array, a waste in the hot loop.</summary>
    private static Value Mop(Value f, Value k, Value v) => Value.List(ImmutableCollectionsMarshal.AsImmutableArray(new[] { f, k, v }));

    /// <summary>
    /// RC write locks, held to commit as real databases hold them: they keep each key's version order the
    /// one a txn saw when it read its own writes. False if the txn must wait; a txn whose wait would close a
    /// cycle (a deadlock) is aborted instead (its phase is then Done), and then true.
    /// </summary>
    private bool Lock(Client c, KeyState k)
    {
        if (k.Holder is null || k.Holder == c)
        {
            k.Holder = c;
            c.WaitingFor = null;
            return true;
        }
        // Waits never form a cycle (the txn that would close one is aborted), so the chain ends within Processes hops.
        var hops = 0;
        for (var owner = k.Holder; owner?.WaitingFor is { } next && hops++ <= s.Processes; owner = next.Holder)
        {
            if (next.Holder != c) continue;
            Abort(c);
            return true;
        }
        c.WaitingFor = k;
        return false;
    }

    private static void Abort(Client c)
    {
        Unlock(c);
        if (c.Outcome == OpType.Ok) c.Outcome = OpType.Fail;
        c.Phase = Phase.Done;
    }

    private static void Unlock(Client c)
    {
        c.WaitingFor = null;
        for (var i = 0; i < c.Mops; i++)
            if (c.Keys[i].Holder == c) c.Keys[i].Holder = null;
    }

    private static int SnapshotLength(KeyState k, int snapshot)
    {
        var versions = k.History!;
        for (var v = versions.Count - 1; v >= 0; v--)
            if (versions[v].Seq <= snapshot) return versions[v].Length;
        return 0;
    }

    private static void Add(KeyState k, Value v)
    {
        if (k.Length == k.Elements.Length) Array.Resize(ref k.Elements, k.Elements.Length * 2);
        k.Elements[k.Length++] = v;
    }

    /// <summary>Micro-op <paramref name="i"/> of the txn reads its key: <paramref name="length"/> committed values plus its own earlier writes.</summary>
    private Value Read(Client c, int i, int length)
    {
        var k = c.Keys[i];
        var own = 0;
        for (var j = 0; j < i; j++)
            if (c.Writes[j] && c.Keys[j] == k) own++;
        if (own == 0) return CommittedRead(k, length);
        if (s.Workload == TxnWorkload.RwRegister)
        {
            for (var j = i - 1; ; j--)
                if (c.Writes[j] && c.Keys[j] == k) return Mop(Txns.ReadName, k.Key, c.Invoked[j].Items[2]);
        }
        var items = new Value[length + own];
        Array.Copy(k.Elements, items, length);
        var at = length;
        for (var j = 0; j < i; j++)
            if (c.Writes[j] && c.Keys[j] == k) items[at++] = c.Invoked[j].Items[2];
        return Mop(Txns.ReadName, k.Key, Value.List(ImmutableCollectionsMarshal.AsImmutableArray(items)));
    }

    /// <summary>The read micro-op of the key's first <paramref name="length"/> committed values, made once and shared.</summary>
    private Value CommittedRead(KeyState k, int length)
    {
        k.ReadMops ??= new Value?[Math.Min(s.MaxWritesPerKey, 1 << 16) + 1];
        if (length >= k.ReadMops.Length) Array.Resize(ref k.ReadMops, Math.Max(length + 1, k.ReadMops.Length * 2));
        if (k.ReadMops[length] is { } cached) return cached;
        Value result;
        if (s.Workload == TxnWorkload.RwRegister)
            result = length == 0 ? Value.Nil : k.Elements[length - 1];
        else
        {
            // These arrays are most of a big history's bytes and all live as long as it does: made on the
            // pinned heap, which only full collections visit, they are not copied from generation to generation.
            var items = GC.AllocateUninitializedArray<Value>(length, pinned: length >= PinnedFrom);
            Array.Copy(k.Elements, items, length);
            result = Value.List(ImmutableCollectionsMarshal.AsImmutableArray(items));
        }
        return k.ReadMops[length] = Mop(Txns.ReadName, k.Key, result);
    }

    private void Commit(Client c)
    {
        if (s.Isolation == TxnIsolation.SnapshotIsolation)
        {
            for (var i = 0; i < c.Mops; i++)
            {
                if (!c.Writes[i]) continue;
                var versions = c.Keys[i].History!;
                if (versions.Count > 0 && versions[^1].Seq > c.Snapshot)
                {
                    // First committer wins: someone committed this key since our snapshot.
                    if (c.Outcome == OpType.Ok) c.Outcome = OpType.Fail;
                    c.Phase = Phase.Done;
                    return;
                }
            }
        }
        commitOrder.Add(c.Position);
        var seq = commitOrder.Count;
        for (var i = 0; i < c.Mops; i++)
            if (c.Writes[i]) Add(c.Keys[i], c.Invoked[i].Items[2]);
        for (var i = 0; i < c.Mops; i++)
        {
            if (!c.Writes[i] || !FirstWriteOfKey(c, i)) continue;
            var k = c.Keys[i];
            k.Versions++;
            k.History?.Add((seq, k.Length));
        }
        if (c.Outcome == OpType.Ok) RecordTruth(c, seq);
        if (s.Isolation == TxnIsolation.ReadCommitted) Unlock(c);
        c.Phase = Phase.Done;
    }

    private static bool FirstWriteOfKey(Client c, int i)
    {
        for (var j = 0; j < i; j++)
            if (c.Writes[j] && c.Keys[j] == c.Keys[i]) return false;
        return true;
    }

    private void RecordTruth(Client c, int seq)
    {
        if (s.Isolation == TxnIsolation.SnapshotIsolation)
        {
            var reads = new List<KeyState>(c.Mops);
            var writes = new List<KeyState>(c.Mops);
            for (var i = 0; i < c.Mops; i++)
            {
                var into = c.Writes[i] ? writes : reads;
                if (!into.Contains(c.Keys[i])) into.Add(c.Keys[i]);
            }
            siCommits.Add(new SiTxn(c.Position, c.Snapshot, seq, [.. reads], [.. writes]));
            return;
        }
        // ReadCommitted: for each key written after being read, the version its external read (the first read
        // of the key, before any write to it) saw.
        for (var i = 0; i < c.Mops; i++)
        {
            if (!c.Writes[i] || !FirstWriteOfKey(c, i)) continue;
            for (var j = 0; j < i; j++)
            {
                if (c.Writes[j] || c.Keys[j] != c.Keys[i]) continue;
                rcUpdates.Add((c.Keys[i].Id, c.VersionSeen[j], c.Position));
                break;
            }
        }
    }

    private void Complete(Client c)
    {
        var value = c.InvokedValue;
        if (c.Outcome == OpType.Ok && c.AnyRead)
        {
            var mops = new Value[c.Mops];
            Array.Copy(c.Results, mops, c.Mops);
            value = Value.List(ImmutableCollectionsMarshal.AsImmutableArray(mops));
        }
        history[count] = new Op(count, now, c.Outcome, c.Process, Txns.F, value);
        count++;
        if (c.Outcome == OpType.Info) c.Process += s.Processes;
        c.Phase = Phase.Idle;
    }

    /// <summary>SI txns are concurrent iff the later committer's snapshot misses the earlier one's commit.</summary>
    private List<TxnPair> DangerousPairs()
    {
        var pairs = new List<TxnPair>();
        for (var j = 0; j < siCommits.Count; j++)
        {
            var t2 = siCommits[j];
            for (var i = j - 1; i >= 0 && siCommits[i].Seq > t2.Snapshot; i--)
            {
                var t1 = siCommits[i];
                if (t1.Reads.Intersect(t2.Writes).Any() && t2.Reads.Intersect(t1.Writes).Any())
                    pairs.Add(new TxnPair(Math.Min(t1.Position, t2.Position), Math.Max(t1.Position, t2.Position)));
            }
        }
        pairs.Sort((a, b) => a.First != b.First ? a.First.CompareTo(b.First) : a.Second.CompareTo(b.Second));
        return pairs;
    }

    private List<LostUpdate> LostUpdates()
    {
        var lost = new List<LostUpdate>();
        rcUpdates.Sort();
        for (var a = 0; a < rcUpdates.Count; a++)
        {
            for (var b = a + 1; b < rcUpdates.Count && rcUpdates[b].Key == rcUpdates[a].Key && rcUpdates[b].Version == rcUpdates[a].Version; b++)
                lost.Add(new LostUpdate(rcUpdates[a].Position, rcUpdates[b].Position, keys[rcUpdates[a].Key].Key));
        }
        return lost;
    }
}
