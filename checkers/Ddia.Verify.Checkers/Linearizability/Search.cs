using System.Collections.Immutable;
using System.Diagnostics;
using System.Numerics;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Linearizability;

/// <summary>
/// Wing–Gong–Lowe search over one partition, depth first, with a memo of the configurations seen.
///
/// A configuration is (the completed ops linearized so far, the model state, the unknown ops used).
/// Completed ops are the ones with an <c>ok</c> completion; they sit in a doubly linked list of call
/// and return events (removed when linearized, restored on backtrack, as in Lowe's paper). Only ops
/// whose call comes before the first return left in the list may be linearized next.
///
/// Unknown (<c>info</c>) ops never return, so they are kept apart, with three reductions:
/// <list type="bullet">
/// <item>Identical unknown ops are interchangeable: only the earliest unused one of each kind is tried,
/// so the ones used always form a prefix of their class, and "which were used" is a count per class.</item>
/// <item>They are tried only after every completed op has been tried at a configuration: a
/// linearization never needs them before it needs them.</item>
/// <item>Dominance: a configuration that has used a superset of the unknown ops of a configuration
/// already seen, with the same completed ops and state, cannot succeed where that one did not
/// (anything it can do, the other can do by leaving the extra ops unused), so it is pruned.</item>
/// <item>Where the model describes its ops as tokens (<see cref="Model{TState, TOp}.Tokens"/>), an unknown op
/// is tried only while some op that could observe what it wrote is still to be linearized.</item>
/// </list>
/// A completed op that changes no state (a read) and is possible in the current state is linearized
/// at once with no alternatives tried: moving it to the front of any valid linearization from here
/// keeps that linearization valid.
/// The linearized completed ops are stored exactly and compactly as (m, window): every op before m
/// (in call order) is linearized, m is not, and only ops called before m returns can be linearized
/// ahead of it, so a window of that width holds the rest. States are interned to ints and each op
/// keeps a small cache of its last transitions, so the model's Step runs once per (state, op) pair
/// in the common case.
/// </summary>
internal sealed class Search<TState, TOp>
    where TState : notnull
    where TOp : IEquatable<TOp>
{
    private readonly Model<TState, TOp> model;
    private readonly HistoryList history;
    private readonly Linearizability.Partition<TOp> partition;
    private readonly LinearizabilityOptions options;
    private readonly long deadline;
    private readonly CancellationToken cancellation;

    // Completed ops, in call order.
    private readonly int n;
    private readonly TOp[] ops;
    private readonly bool[] readOnly;
    private readonly bool checksReach;
    private readonly int tail;
    private readonly int[] callNode, returnNode, reach;

    // The event list: node 0 is the head, node 2n+1 the tail.
    private readonly int[] next, prev, nodeOp, nodePos;
    private readonly bool[] nodeIsCall;

    // Unknown ops, grouped into classes of identical ops; members in call order.
    private readonly int classes;
    private readonly TOp[] classOp;
    private readonly int[][] classCalls;       // call positions of each class's members
    private readonly int[][] classMembers;     // index into partition.Unknown
    private readonly int[] classUsed;

    // Token pruning (Model.Tokens): an unknown class is worth trying only while some op that can
    // observe its token is still to be linearized. observers[j] lists the classes completed op j can observe.
    private readonly int[][]? observedBy;
    private readonly int[] liveObservers = [];

    private readonly ulong[] linearized;
    private readonly States states;
    private readonly int[] stepFrom, stepTo;   // per op (and per class), 4 direct-mapped transitions
    private readonly ConfigCache cache;
    private readonly InfoSets infoSets = new();

    public Search(Model<TState, TOp> model, HistoryList history, Linearizability.Partition<TOp> partition,
        LinearizabilityOptions options, long deadline, CancellationToken cancellation)
    {
        this.model = model;
        this.history = history;
        this.partition = partition;
        this.options = options;
        this.deadline = deadline;
        this.cancellation = cancellation;

        var done = partition.Completed;   // already in call order: the history was walked in order
        n = done.Count;
        ops = new TOp[n];
        checksReach = model.ChecksReach;
        readOnly = new bool[n];
        for (var i = 0; i < n; i++)
        {
            ops[i] = done[i].Op;
            readOnly[i] = model.IsReadOnly(ops[i]);
        }

        // Events sorted by position; each op has a call and a return node.
        var events = new (int Pos, int Op, bool Call)[2 * n];
        for (var i = 0; i < n; i++)
        {
            events[2 * i] = (done[i].Call, i, true);
            events[2 * i + 1] = (done[i].Return, i, false);
        }
        Array.Sort(events, (a, b) => a.Pos.CompareTo(b.Pos));
        var nodes = 2 * n + 2;
        tail = nodes - 1;
        next = new int[nodes];
        prev = new int[nodes];
        nodeOp = new int[nodes];
        nodePos = new int[nodes];
        nodeIsCall = new bool[nodes];
        callNode = new int[n];
        returnNode = new int[n];
        for (var k = 0; k < nodes; k++)
        {
            next[k] = k + 1;
            prev[k] = k - 1;
        }
        nodePos[0] = -1;
        nodePos[nodes - 1] = int.MaxValue;
        nodeOp[0] = nodeOp[nodes - 1] = -1;
        for (var e = 0; e < events.Length; e++)
        {
            var k = e + 1;
            nodeOp[k] = events[e].Op;
            nodePos[k] = events[e].Pos;
            nodeIsCall[k] = events[e].Call;
            if (events[e].Call) callNode[events[e].Op] = k; else returnNode[events[e].Op] = k;
        }

        // reach[i]: ops (in call order) called before op i returns; only they can be linearized ahead of i.
        reach = new int[n];
        for (int i = 0, j = 0; i < n; i++)
        {
            while (j < n && done[j].Call < done[i].Return) j++;
            reach[i] = j;
        }

        // Classes of identical unknown ops.
        var byOp = new Dictionary<TOp, int>();
        var members = new List<List<int>>();
        for (var u = 0; u < partition.Unknown.Count; u++)
        {
            var op = partition.Unknown[u].Op;
            if (!byOp.TryGetValue(op, out var c))
            {
                byOp[op] = c = members.Count;
                members.Add([]);
            }
            members[c].Add(u);
        }
        classes = members.Count;
        classOp = new TOp[classes];
        classCalls = new int[classes][];
        classMembers = new int[classes][];
        classUsed = new int[classes];
        for (var c = 0; c < classes; c++)
        {
            classMembers[c] = [.. members[c]];
            classOp[c] = partition.Unknown[members[c][0]].Op;
            classCalls[c] = [.. members[c].Select(u => partition.Unknown[u].Call)];
        }

        if (model.Tokens is { } tokens && classes > 0)
        {
            var producers = new Dictionary<int, List<int>>();
            for (var c = 0; c < classes; c++)
            {
                var t = tokens.Produces(classOp[c]);
                if (t < 0) continue;
                if (!producers.TryGetValue(t, out var list)) producers[t] = list = [];
                list.Add(c);
            }
            liveObservers = new int[classes];
            // An unknown op that observes a token keeps its producers alive for good: it may be used any time.
            for (var c = 0; c < classes; c++)
                if (producers.TryGetValue(tokens.Requires(classOp[c]), out var ps))
                    foreach (var p in ps) liveObservers[p] = int.MaxValue / 2;
            observedBy = new int[n][];
            for (var j = 0; j < n; j++)
            {
                observedBy[j] = producers.TryGetValue(tokens.Requires(ops[j]), out var ps) ? [.. ps] : [];
                foreach (var p in observedBy[j]) liveObservers[p]++;
            }
        }

        linearized = new ulong[(n + 64) / 64 + 1];
        states = new States(model.StateComparer, 4 * (n + classes));
        stepFrom = new int[(n + classes) * 4];
        stepTo = new int[(n + classes) * 4];
        Array.Fill(stepFrom, -1);
        cache = new ConfigCache(infoSets, expected: 16 * (n + classes));
    }

    private struct Frame
    {
        public bool Unknown;      // which list Item indexes: completed ops or unknown classes
        public bool Forced;       // a read-only op taken with no alternatives (see Run)
        public int Item;
        public int PrevState;
        public int PrevInfo;
        public int Limit;         // position of the first return left when this frame was pushed from phase 2
        public int LimitOp;       // the op of that return
        public int Position;      // history position of the op's invocation
    }

    /// <summary>A dead end, kept as ints; described only if the partition turns out invalid.</summary>
    private sealed record RawPrefix(int Omitted, int StartState, int[] Positions, int[] StatesAfter, int FinalState, int Blame);

    public PartitionResult Run()
    {
        var key = partition.Key;
        var stack = new Frame[16];
        var depth = 0;
        var state = states.Intern(model.Init());
        var info = 0;
        var remaining = n;
        var cursor = -1;          // phase 1: the next event node to consider; -1: a configuration just reached
        var phase2 = false;
        var nextClass = 0;        // phase 2: the next class to consider
        var limit = 0;            // phase 2: position of the first return left
        var limitOp = -1;         // phase 2: its op
        unreachable = -1;
        long iterations = 0;
        var bestProgress = -1;
        var best = new List<RawPrefix>();
        var window = new ulong[8];

        while (true)
        {
            if (remaining == 0)
                return new(key, Validity.Valid, partition.Size, partition.Unknown.Count, cache.Count, null);

            if ((++iterations & 1023) == 0 && (Stopwatch.GetTimestamp() > deadline || cancellation.IsCancellationRequested))
                return new(key, Validity.Unknown, partition.Size, partition.Unknown.Count, cache.Count, null);

            var dead = false;
            if (cursor < 0)
            {
                // A read-only op that is possible now goes first, with no alternatives: any linearization from
                // here stays valid with it moved to the front (it changes no state, and nothing needs to precede it).
                cursor = next[0];
                unreachable = -1;
                for (var k = cursor; nodeIsCall[k]; k = next[k])
                {
                    var j = nodeOp[k];
                    if (!readOnly[j] || StepOp(state, j, ops[j]) != state) continue;
                    if (TryEnter(j, state, state, info, remaining, ref window))
                    {
                        Push(ref stack, ref depth, new Frame { Forced = true, Item = j, PrevState = state, PrevInfo = info, Position = partition.Completed[j].Call });
                        remaining--;
                        cursor = -1;
                    }
                    else
                    {
                        dead = true;   // seen before, and it failed: so does this configuration
                    }
                    break;
                }
                if (cursor < 0) continue;
            }

            if (!dead && !phase2)
            {
                if (nodeIsCall[cursor])
                {
                    var j = nodeOp[cursor];
                    var to = StepOp(state, j, ops[j]);
                    if (to >= 0)
                    {
                        if (TryEnter(j, state, to, info, remaining, ref window))
                        {
                            Push(ref stack, ref depth, new Frame { Item = j, PrevState = state, PrevInfo = info, Position = partition.Completed[j].Call });
                            state = to;
                            remaining--;
                            cursor = -1;
                            continue;
                        }
                    }
                    cursor = next[cursor];
                    continue;
                }
                // Reached the first return: no completed op can go ahead of it. Try the unknown ops.
                phase2 = true;
                limit = nodePos[cursor];
                limitOp = nodeOp[cursor];
                nextClass = 0;
            }

            if (!dead)
            {
                var advanced = false;
                for (var c = nextClass; c < classes; c++)
                {
                    var used = classUsed[c];
                    if (used == classCalls[c].Length || classCalls[c][used] > limit) continue;
                    if (observedBy is not null && liveObservers[c] == 0) continue;   // nobody left who could see it
                    var to = StepOp(state, n + c, classOp[c]);
                    if (to < 0) continue;
                    var withC = infoSets.Add(info, c);
                    if (!cache.TryAdd(Key(to, ref window, out var m, out var words), m, to, window.AsSpan(0, words), withC)) continue;
                    var member = partition.Unknown[classMembers[c][classUsed[c]++]].Call;
                    Push(ref stack, ref depth, new Frame { Unknown = true, Item = c, PrevState = state, PrevInfo = info, Limit = limit, LimitOp = limitOp, Position = member });
                    state = to;
                    info = withC;
                    phase2 = false;
                    cursor = -1;
                    advanced = true;
                    break;
                }
                if (advanced) continue;

                // Dead end: every candidate failed here. Remember how far real time got.
                if (limit >= bestProgress)
                {
                    if (limit > bestProgress)
                    {
                        bestProgress = limit;
                        best.Clear();
                    }
                    // Blame the op whose completion could not be reached, or the pending read no state could serve.
                    if (best.Count < options.MaxPrefixes) best.Add(Capture(stack, depth, state, unreachable >= 0 ? unreachable : limitOp));
                }
            }

            // Backtrack to the latest configuration that still has choices left; a forced step had none.
            while (true)
            {
                if (depth == 0)
                    return new(key, Validity.Invalid, partition.Size, partition.Unknown.Count, cache.Count, Failure(best));
                var f = stack[--depth];
                state = f.PrevState;
                info = f.PrevInfo;
                if (f.Unknown)
                {
                    classUsed[f.Item]--;
                    phase2 = true;
                    limit = f.Limit;
                    limitOp = f.LimitOp;
                    nextClass = f.Item + 1;
                    break;
                }
                ClearBit(f.Item);
                Unlift(f.Item);
                remaining++;
                if (f.Forced) continue;
                phase2 = false;
                cursor = next[callNode[f.Item]];
                break;
            }
        }
    }

    /// <summary>
    /// Whether the next reads still to be linearized (the first <see cref="ReachLookahead"/> events of
    /// the list, all of which come after this step) could still see a state that follows <paramref name="to"/>.
    /// </summary>
    private bool PendingReadsReachable(int to)
    {
        var s = states[to];
        var frontier = next[0];
        while (nodeIsCall[frontier]) frontier = next[frontier];
        var seen = 0;
        for (var k = next[0]; k != tail && seen < ReachLookahead; k = next[k], seen++)
        {
            if (!nodeIsCall[k]) continue;
            var r = nodeOp[k];
            if (readOnly[r] && !model.CanReach(s, ops[r], nodePos[frontier]))
            {
                unreachable = r;
                return false;
            }
        }
        return true;
    }

    private const int ReachLookahead = 64;

    // The last pending read found unreachable at the current configuration: what a dead end there is blamed on.
    private int unreachable = -1;

    /// <summary>
    /// Linearizes completed op <paramref name="j"/>, taking the state from <paramref name="from"/> to
    /// <paramref name="to"/>, if the configuration it leads to is new (and, where the model can tell,
    /// every pending read can still be served). Otherwise leaves everything as it was and returns false.
    /// </summary>
    private bool TryEnter(int j, int from, int to, int info, int remaining, ref ulong[] window)
    {
        Lift(j);
        SetBit(j);
        var reachable = to == from || !checksReach || PendingReadsReachable(to);
        if (reachable && (remaining == 1 || cache.TryAdd(Key(to, ref window, out var m, out var words), m, to, window.AsSpan(0, words), info)))
            return true;
        ClearBit(j);
        Unlift(j);
        return false;
    }

    private static void Push(ref Frame[] stack, ref int depth, Frame f)
    {
        if (depth == stack.Length) Array.Resize(ref stack, stack.Length * 2);
        stack[depth++] = f;
    }

    private void Lift(int j)
    {
        int c = callNode[j], r = returnNode[j];
        next[prev[c]] = next[c];
        prev[next[c]] = prev[c];
        next[prev[r]] = next[r];
        prev[next[r]] = prev[r];
    }

    private void Unlift(int j)
    {
        int c = callNode[j], r = returnNode[j];
        next[prev[r]] = r;
        prev[next[r]] = r;
        next[prev[c]] = c;
        prev[next[c]] = c;
    }

    private void SetBit(int j)
    {
        linearized[j >> 6] |= 1UL << (j & 63);
        zobrist ^= Zobrist(j);
        if (observedBy is not null)
            foreach (var c in observedBy[j]) liveObservers[c]--;
    }

    private void ClearBit(int j)
    {
        linearized[j >> 6] &= ~(1UL << (j & 63));
        zobrist ^= Zobrist(j);
        if (observedBy is not null)
            foreach (var c in observedBy[j]) liveObservers[c]++;
    }

    /// <summary>Interned state after <paramref name="op"/>, or -1 if the op is impossible in <paramref name="state"/>.</summary>
    private int StepOp(int state, int slot, in TOp op)
    {
        var s = slot * 4 + (state & 3);
        if (stepFrom[s] == state) return stepTo[s];
        var to = model.Step(states[state], op, out var nextState) ? states.Intern(nextState) : -1;
        stepFrom[s] = state;
        stepTo[s] = to;
        return to;
    }

    // Zobrist hash of the linearized completed ops: the XOR of one random-looking word per op,
    // updated in O(1) as ops are linearized and undone.
    private ulong zobrist;

    private static ulong Zobrist(int op) => Mix((ulong)(uint)op * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);

    /// <summary>
    /// Exact key of the linearized completed ops: m (the first op not linearized, in call order) and
    /// the bits of ops m+1 .. reach[m]-1, copied into <paramref name="window"/>, which the memo compares.
    /// Returns the hash of the configuration: the incremental Zobrist hash of the set, mixed with the state.
    /// </summary>
    private ulong Key(int state, ref ulong[] window, out int m, out int words)
    {
        var head = next[0];
        m = nodeOp[head];
        var from = m + 1;
        var bits = Math.Max(0, reach[m] - from);
        words = (bits + 63) >> 6;
        if (window.Length < words) window = new ulong[Math.Max(words, window.Length * 2)];
        for (var w = 0; w < words; w++)
        {
            var bit = from + w * 64;
            var lo = linearized[bit >> 6] >> (bit & 63);
            if ((bit & 63) != 0 && (bit >> 6) + 1 < linearized.Length) lo |= linearized[(bit >> 6) + 1] << (64 - (bit & 63));
            var left = bits - w * 64;
            if (left < 64) lo &= (1UL << left) - 1;
            window[w] = lo;
        }
        return Mix(zobrist ^ ((ulong)(uint)state * 0xC2B2AE3D27D4EB4FUL)) | 1;   // 0 marks an empty slot
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }

    private RawPrefix Capture(Frame[] stack, int depth, int finalState, int blame)
    {
        var keep = Math.Min(depth, options.MaxPrefixSteps);
        var first = depth - keep;
        var positions = new int[keep];
        var after = new int[keep];
        for (var d = first; d < depth; d++)
        {
            positions[d - first] = stack[d].Position;
            after[d - first] = d + 1 < depth ? stack[d + 1].PrevState : finalState;
        }
        var start = keep == depth ? states.Intern(model.Init()) : stack[first].PrevState;
        return new RawPrefix(first, start, positions, after, finalState, blame);
    }

    private PartialLinearization Describe(RawPrefix raw) => new(
        raw.Omitted,
        model.DescribeState(states[raw.StartState]),
        [.. raw.Positions.Select((p, i) => new LinearizedStep(Ref(p), model.DescribeState(states[raw.StatesAfter[i]])))],
        model.DescribeState(states[raw.FinalState]));

    private HistoryRef Ref(int position)
    {
        var c = history.CompletionOf(position);
        return new HistoryRef(position, history[position], c, c < 0 ? null : history[c]);
    }

    private LinearizabilityFailure Failure(List<RawPrefix> prefixes) =>
        new(Ref(partition.Completed[prefixes[0].Blame].Call), [.. prefixes.Select(Describe)]);

    /// <summary>Model states, interned to dense ints.</summary>
    private sealed class States(IEqualityComparer<TState> comparer, int capacity)
    {
        private readonly Dictionary<TState, int> ids = new(Math.Min(capacity, 1 << 20), comparer);
        private readonly List<TState> all = new(Math.Min(capacity, 1 << 20));

        public TState this[int id] => all[id];

        public int Intern(TState s)
        {
            if (ids.TryGetValue(s, out var id)) return id;
            id = all.Count;
            all.Add(s);
            ids.Add(s, id);
            return id;
        }
    }
}

/// <summary>
/// Sets of unknown ops used, as counts per class, interned to ints so configurations can hold them
/// cheaply. Content is kept sorted (class ids, repeated by count) for the subset test.
/// </summary>
internal sealed class InfoSets
{
    private readonly List<int[]> contents = [[]];
    private readonly Dictionary<long, int> children = [];
    private readonly Dictionary<int[], int> byContent = new(ContentComparer.Instance) { [[]] = 0 };

    public int Add(int set, int cls)
    {
        var edge = (long)set << 32 | (uint)cls;
        if (children.TryGetValue(edge, out var child)) return child;
        var parent = contents[set];
        var content = new int[parent.Length + 1];
        var at = 0;
        while (at < parent.Length && parent[at] <= cls) at++;
        Array.Copy(parent, content, at);
        content[at] = cls;
        Array.Copy(parent, at, content, at + 1, parent.Length - at);
        if (!byContent.TryGetValue(content, out child))
        {
            child = contents.Count;
            contents.Add(content);
            byContent.Add(content, child);
        }
        children[edge] = child;
        return child;
    }

    /// <summary>Whether every unknown op used in <paramref name="a"/> is used in <paramref name="b"/> too.</summary>
    public bool IsSubset(int a, int b)
    {
        if (a == b || a == 0) return true;
        var x = contents[a];
        var y = contents[b];
        if (x.Length > y.Length) return false;
        int i = 0, j = 0;
        while (i < x.Length)
        {
            if (j == y.Length || y.Length - j < x.Length - i) return false;
            if (x[i] == y[j]) { i++; j++; }
            else if (x[i] > y[j]) j++;
            else return false;
        }
        return true;
    }

    private sealed class ContentComparer : IEqualityComparer<int[]>
    {
        public static readonly ContentComparer Instance = new();
        public bool Equals(int[]? a, int[]? b) => a.AsSpan().SequenceEqual(b.AsSpan());
        public int GetHashCode(int[] a)
        {
            var h = new HashCode();
            foreach (var x in a) h.Add(x);
            return h.ToHashCode();
        }
    }
}

/// <summary>
/// The memo: an open-addressing table of configurations (m, window bits, state), each with the
/// list of unknown-op sets it was reached with. One entry is one struct, so a probe touches one
/// cache line; window words live in one shared arena.
/// </summary>
internal sealed class ConfigCache
{
    private struct Entry
    {
        public ulong Hash;      // 0: empty
        public int M;
        public int State;
        public int Offset;
        public int Length;
        public int InfoHead;
    }

    private readonly InfoSets infoSets;
    private Entry[] entries;
    private ulong[] arena = new ulong[256];
    private int arenaUsed;
    private int[] infoSet = new int[256], infoNext = new int[256];
    private int infoUsed;
    private int used;

    public ConfigCache(InfoSets infoSets, int expected)
    {
        this.infoSets = infoSets;
        entries = new Entry[Math.Max(256, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Min(expected, 1 << 20) * 2))];
    }

    public long Count { get; private set; }

    /// <summary>Adds the configuration; false if it, or one that dominates it, was seen before.</summary>
    public bool TryAdd(ulong hash, int m, int state, ReadOnlySpan<ulong> window, int info)
    {
        var mask = entries.Length - 1;
        var slot = (int)(hash & (ulong)mask);
        while (true)
        {
            ref var e = ref entries[slot];
            if (e.Hash == 0) break;
            if (e.Hash == hash && e.M == m && e.State == state && e.Length == window.Length
                && arena.AsSpan(e.Offset, window.Length).SequenceEqual(window))
            {
                for (var i = e.InfoHead; i >= 0; i = infoNext[i])
                    if (infoSets.IsSubset(infoSet[i], info)) return false;
                e.InfoHead = NewInfo(info, e.InfoHead);
                Count++;
                return true;
            }
            slot = (slot + 1) & mask;
        }
        entries[slot] = new Entry { Hash = hash, M = m, State = state, Length = window.Length, Offset = Store(window), InfoHead = NewInfo(info, -1) };
        Count++;
        if (++used * 2 > entries.Length) Grow();
        return true;
    }

    private int Store(ReadOnlySpan<ulong> window)
    {
        if (arenaUsed + window.Length > arena.Length) Array.Resize(ref arena, Math.Max(arena.Length * 2, arenaUsed + window.Length));
        window.CopyTo(arena.AsSpan(arenaUsed));
        var at = arenaUsed;
        arenaUsed += window.Length;
        return at;
    }

    private int NewInfo(int set, int nextEntry)
    {
        if (infoUsed == infoSet.Length)
        {
            Array.Resize(ref infoSet, infoSet.Length * 2);
            Array.Resize(ref infoNext, infoNext.Length * 2);
        }
        infoSet[infoUsed] = set;
        infoNext[infoUsed] = nextEntry;
        return infoUsed++;
    }

    private void Grow()
    {
        var old = entries;
        entries = new Entry[old.Length * 2];
        var mask = entries.Length - 1;
        foreach (var e in old)
        {
            if (e.Hash == 0) continue;
            var slot = (int)(e.Hash & (ulong)mask);
            while (entries[slot].Hash != 0) slot = (slot + 1) & mask;
            entries[slot] = e;
        }
    }
}
