namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>
/// A deterministic cluster: N <see cref="RaftNode"/>s over a simulated network and clock, driven by one event
/// queue ordered by (time, sequence). One seed fixes everything (delays, losses, election jitter, faults, client
/// choices), so a failing seed replays exactly. No threads, no wall-clock time: a simulated minute takes as long
/// as its events take to compute.
/// <para>The host loop honours the <see cref="Ready"/> contract: persist, then send, then answer clients. A crash
/// happens between events, so it never splits a Ready.</para>
/// </summary>
internal sealed class SimCluster
{
    /// <summary>True wall time at simulated time 0 (an arbitrary epoch, so that wall and monotonic values differ).</summary>
    public const long WallEpochMs = 1_700_000_000_000;

    private readonly PriorityQueue<Action, (long Time, long Seq)> events = new();
    private readonly Func<int, RaftOptions> optionsFor;
    private readonly bool[,] blocked;
    private long sequence;
    private long nextRequestId;
    private long stamp;

    public SimCluster(int seed, int size, Func<RaftOptions, RaftOptions>? configure = null, NetworkProfile? network = null)
    {
        Seed = seed;
        Random = new Random(seed);
        Network = network ?? new NetworkProfile();
        var members = Enumerable.Range(0, size).ToArray();
        optionsFor = id =>
        {
            var options = new RaftOptions
            {
                Id = id,
                Members = members,
                ElectionTimeoutMinMs = 150,
                ElectionTimeoutMaxMs = 300,
                HeartbeatIntervalMs = 30,
                LeaseMs = 150,
            };
            return configure is null ? options : configure(options);
        };
        Nodes = [.. members.Select(id => new SimNode(id, Random.NextInt64(1_000, 1_000_000)))];
        blocked = new bool[size, size];
        Invariants = new ClusterInvariants(this);
        foreach (var node in Nodes) Start(node);
    }

    public int Seed { get; }

    public Random Random { get; }

    public NetworkProfile Network { get; }

    public long Now { get; private set; }

    public SimNode[] Nodes { get; }

    public ClusterInvariants Invariants { get; }

    /// <summary>Sees every message sent (before loss) and delivered, for debugging a seed.</summary>
    public Action<string>? Trace { get; set; }

    /// <summary>How often each node is ticked, in simulated ms.</summary>
    public long TickMs { get; init; } = 5;

    public long Monotonic(SimNode node) => node.MonotonicBaseMs + Now;

    public long Wall(SimNode node) => WallEpochMs + Now + node.WallOffsetMs;

    /// <summary>A strictly increasing timestamp: simulated ms × 10⁶ plus a sequence number. Clients stamp invokes and
    /// completions with it, so two events in the same ms are still ordered as they happened.</summary>
    public long Stamp() => stamp = Math.Max(stamp + 1, Now * 1_000_000);

    public void At(long time, Action action) => events.Enqueue(action, (Math.Max(time, Now), sequence++));

    /// <summary>Runs every event due up to <paramref name="time"/>, then stops there.</summary>
    public void RunUntil(long time)
    {
        while (events.TryPeek(out _, out var due) && due.Time <= time)
        {
            var action = events.Dequeue();
            Now = due.Time;
            action();
        }
        Now = Math.Max(Now, time);
    }

    /// <summary>Runs until <paramref name="condition"/> holds (checked every simulated ms) or until
    /// <paramref name="deadline"/>; returns whether it held.</summary>
    public bool RunUntil(Func<bool> condition, long deadline)
    {
        while (Now < deadline)
        {
            if (condition()) return true;
            RunUntil(Now + 1);
        }
        return condition();
    }

    public void RunFor(long ms) => RunUntil(Now + ms);

    // Faults -------------------------------------------------------------------------------------------------

    /// <summary>Splits the nodes into groups that cannot talk to each other; nodes not named form one more group.</summary>
    public void Partition(params int[][] groups)
    {
        var group = new int[Nodes.Length];
        Array.Fill(group, groups.Length);
        for (var g = 0; g < groups.Length; g++)
            foreach (var id in groups[g]) group[id] = g;
        Cut((a, b) => group[a] != group[b]);
    }

    public void Isolate(int id) => Partition([id]);

    /// <summary>Jepsen's bridge: two halves that cannot talk, and one node (<paramref name="bridge"/>) that talks to
    /// both. Not transitive: the bridge can help elect a leader on either side.</summary>
    public void Bridge(int bridge)
    {
        var others = Enumerable.Range(0, Nodes.Length).Where(i => i != bridge).ToArray();
        var left = others[..(others.Length / 2)].ToHashSet();
        Cut((a, b) => a != bridge && b != bridge && left.Contains(a) != left.Contains(b));
    }

    /// <summary>Jepsen's majorities ring: the nodes on a ring in <paramref name="order"/>, each talking only to its
    /// nearest neighbours, so that every node sees a majority (with five nodes, a bare one: itself and one neighbour
    /// each side) and no two see the same one. Meaningful from five nodes up.</summary>
    public void MajoritiesRing(int[] order)
    {
        var n = Nodes.Length;
        var position = new int[n];
        for (var i = 0; i < n; i++) position[order[i]] = i;
        var reach = (n / 2 + 1) / 2;   // neighbours on each side: 1 + 2 × reach ≥ a majority
        Cut((a, b) =>
        {
            var d = Math.Abs(position[a] - position[b]);
            return Math.Min(d, n - d) > reach;
        });
    }

    public void Heal() => Cut((_, _) => false);

    public bool Connected(int a, int b) => !blocked[a, b];

    private void Cut(Func<int, int, bool> apart)
    {
        for (var a = 0; a < Nodes.Length; a++)
            for (var b = 0; b < Nodes.Length; b++)
                blocked[a, b] = a != b && apart(a, b);
    }

    /// <summary>kill -9: the process and everything in memory are gone; storage stays.</summary>
    public void Crash(int id)
    {
        var node = Nodes[id];
        node.Raft = null;
        node.Waiting.Clear();
        node.PausedUntilMs = 0;
    }

    public void Restart(int id)
    {
        if (!Nodes[id].Up) Start(Nodes[id]);
    }

    public void Pause(int id, long ms) => Nodes[id].PausedUntilMs = Math.Max(Nodes[id].PausedUntilMs, Now + ms);

    public void SetClockOffset(int id, long offsetMs) => Nodes[id].WallOffsetMs = offsetMs;

    /// <summary>Ends every fault: heals the network, restarts crashed nodes, resumes paused ones. Clock offsets
    /// stay (the log and ReadIndex paths do not read the wall clock).</summary>
    public void HealAll()
    {
        Heal();
        foreach (var node in Nodes)
        {
            node.PausedUntilMs = 0;
            Restart(node.Id);
        }
    }

    // Clients ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A client request to <paramref name="id"/>, arriving 1 ms from now. <paramref name="invoke"/> hands it to the
    /// node (Propose or Read) under a fresh request id; <paramref name="onResponse"/> gets the answer, or null at once
    /// when the node is down (connection refused: definitely not done). A node that crashes first never answers.
    /// </summary>
    public void Request(int id, Action<SimNode, RaftNode, long> invoke, Action<ClientResponse?> onResponse)
    {
        var node = Nodes[id];
        void Arrive()
        {
            if (node.Raft is not { } raft)
            {
                onResponse(null);
                return;
            }
            if (Now < node.PausedUntilMs)
            {
                At(node.PausedUntilMs, Arrive);
                return;
            }
            var requestId = ++nextRequestId;
            node.Waiting[requestId] = r => onResponse(r);
            invoke(node, raft, requestId);
            Drain(node);
        }
        At(Now + 1, Arrive);
    }

    // The host loop ------------------------------------------------------------------------------------------

    private void Start(SimNode node)
    {
        node.Incarnation++;
        node.Raft = new RaftNode(optionsFor(node.Id), node.Storage.Load(), Monotonic(node), Wall(node), new Random(Random.Next()));
        var incarnation = node.Incarnation;
        void Tick()
        {
            if (node.Incarnation != incarnation || node.Raft is not { } raft) return;
            if (Now < node.PausedUntilMs)
            {
                At(node.PausedUntilMs, Tick);
                return;
            }
            raft.Tick(Monotonic(node), Wall(node));
            Drain(node);
            At(Now + TickMs, Tick);
        }
        At(Now + 1 + Random.NextInt64(TickMs), Tick);
        Drain(node);
    }

    private void Drain(SimNode node)
    {
        while (node.Raft is { HasReady: true } raft)
        {
            var ready = raft.TakeReady();
            if (ready.ToPersist is { } write) node.Storage.Persist(write);
            Invariants.OnReady(node, ready);
            foreach (var message in ready.ToSend) Send(message);
            foreach (var response in ready.Responses)
                if (node.Waiting.Remove(response.RequestId, out var reply)) reply(response);
        }
        Invariants.AfterStep();
    }

    private void Send(RaftMessage message)
    {
        Trace?.Invoke($"{Now} send {message}");
        if (!Connected(message.From, message.To) || Random.NextDouble() < Network.DropRate) return;
        Deliver(message, Now + Delay());
        if (Random.NextDouble() < Network.DuplicateRate) Deliver(message, Now + Delay());
    }

    private long Delay() => Network.MinDelayMs + Random.NextInt64(Network.MaxDelayMs - Network.MinDelayMs + 1);

    private void Deliver(RaftMessage message, long time)
    {
        var to = Nodes[message.To];
        void Arrive()
        {
            if (!Connected(message.From, message.To) || to.Raft is not { } raft) return;
            if (Now < to.PausedUntilMs)
            {
                At(to.PausedUntilMs, Arrive);
                return;
            }
            Trace?.Invoke($"{Now} deliver {message}");
            raft.Receive(message);
            Drain(to);
        }
        At(time, Arrive);
    }

    /// <summary>The current leader that every live node in its term agrees on, if any.</summary>
    public int? StableLeader()
    {
        var live = Nodes.Where(n => n.Up).Select(n => n.Raft!.Status).ToList();
        var leaders = live.Where(s => s.Role == RaftRole.Leader).ToList();
        if (leaders.Count == 0) return null;
        var top = leaders.MaxBy(s => s.Term)!;
        return live.All(s => s.Term == top.Term && s.LeaderId == top.Id) ? top.Id : null;
    }

    public override string ToString() => $"seed {Seed} at {Now} ms";
}
