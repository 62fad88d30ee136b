namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>
/// Raft's safety properties (Raft §5.2–5.4, Figure 3), checked as the simulation runs over every node's state,
/// plus the host contract that durable state is written before anything that depends on it is sent:
/// <list type="bullet">
/// <item>election safety: at most one leader per term, over the whole run;</item>
/// <item>log matching: two logs with an entry of the same index and term are identical up to it;</item>
/// <item>leader completeness: a leader of a term above the one in which an entry was known committed holds it;</item>
/// <item>state machine safety: every node applies the same entry at each index, across restarts too;</item>
/// <item>persist before send: votes, acknowledgements and replicated entries are on "disk" when they leave.</item>
/// </list>
/// A violation throws at once, naming the seed and the simulated time.
/// </summary>
internal sealed class ClusterInvariants(SimCluster cluster)
{
    private readonly Dictionary<long, int> leaders = [];
    private readonly Dictionary<long, (LogEntry Entry, long KnownInTerm)> committed = [];

    /// <summary>Every term that had a leader, and who it was.</summary>
    public IReadOnlyDictionary<long, int> Leaders => leaders;

    /// <summary>Every entry some node applied (so it was committed), by index.</summary>
    public IReadOnlyDictionary<long, (LogEntry Entry, long KnownInTerm)> Committed => committed;

    public void OnReady(SimNode node, Ready ready)
    {
        var stored = node.Storage;
        foreach (var message in ready.ToSend)
        {
            switch (message)
            {
                case RequestVote { PreVote: false } m when stored.State.Term != m.Term || stored.State.VotedFor != node.Id:
                    Fail($"node {node.Id} asks for votes in term {m.Term} before storing its term and self-vote ({stored.State})");
                    break;
                case VoteReply { Granted: true, PreVote: false } m when stored.State.Term != m.Term || stored.State.VotedFor != m.To:
                    Fail($"node {node.Id} grants node {m.To} its vote in term {m.Term} before storing it ({stored.State})");
                    break;
                case AppendEntries { Entries.Count: > 0 } m when !Holds(stored.Log, m.Entries[^1]):
                    Fail($"node {node.Id} sends entry {m.Entries[^1]} before storing it");
                    break;
                case AppendEntriesReply { Success: true } m when stored.Log.Count < m.MatchIndex:
                    Fail($"node {node.Id} acknowledges index {m.MatchIndex} with {stored.Log.Count} entries stored");
                    break;
            }
        }
        var term = node.Raft!.Status.Term;
        foreach (var entry in ready.Applied)
        {
            if (committed.TryGetValue(entry.Index, out var known))
            {
                if (known.Entry != entry) Fail($"node {node.Id} applies {entry} at index {entry.Index}, where {known.Entry} was applied before");
                continue;
            }
            committed[entry.Index] = (entry, term);
            foreach (var other in cluster.Nodes)
            {
                if (other.Raft?.Status is { Role: RaftRole.Leader } s && s.Term > term && !Holds(other.Raft.LogEntries, entry))
                    Fail($"leader {other.Id} of term {s.Term} lacks {entry}, committed by term {term}");
            }
        }
    }

    /// <summary>After each step: at most one leader per term; a leader seen for the first time holds every entry
    /// known committed in an earlier term.</summary>
    public void AfterStep()
    {
        foreach (var node in cluster.Nodes)
        {
            if (node.Raft?.Status is not { Role: RaftRole.Leader } status) continue;
            if (leaders.TryGetValue(status.Term, out var leader))
            {
                if (leader != node.Id) Fail($"nodes {leader} and {node.Id} both lead term {status.Term}");
                continue;
            }
            leaders[status.Term] = node.Id;
            foreach (var (entry, knownInTerm) in committed.Values)
            {
                if (knownInTerm < status.Term && !Holds(node.Raft.LogEntries, entry))
                    Fail($"new leader {node.Id} of term {status.Term} lacks {entry}, committed by term {knownInTerm}");
            }
        }
    }

    /// <summary>Log matching over every pair of stored logs (crashed nodes included).</summary>
    public void CheckLogMatching()
    {
        var logs = cluster.Nodes.Select(n => n.Storage.Log).ToArray();
        for (var a = 0; a < logs.Length; a++)
        {
            for (var b = a + 1; b < logs.Length; b++)
            {
                // The highest index where both hold the same term; everything up to it must be identical.
                var common = Math.Min(logs[a].Count, logs[b].Count);
                var agree = 0;
                for (var i = common; i > 0; i--)
                {
                    if (logs[a][i - 1].Term == logs[b][i - 1].Term)
                    {
                        agree = i;
                        break;
                    }
                }
                for (var i = 0; i < agree; i++)
                {
                    if (logs[a][i] != logs[b][i])
                        Fail($"log matching: nodes {a} and {b} agree on the term at index {agree} but differ at {i + 1}: {logs[a][i]} vs {logs[b][i]}");
                }
            }
        }
    }

    /// <summary>After the faults are healed and the cluster settled: nothing committed was lost, and every node
    /// has applied the same prefix and holds the same values.</summary>
    public void CheckConverged()
    {
        CheckLogMatching();
        foreach (var node in cluster.Nodes)
        {
            foreach (var (entry, _) in committed.Values)
            {
                if (!Holds(node.Storage.Log, entry)) Fail($"node {node.Id} lost committed {entry}");
            }
        }
        var statuses = cluster.Nodes.Select(n => n.Raft!.Status).ToList();
        var applied = statuses.Select(s => s.LastApplied).Distinct().ToList();
        if (applied.Count != 1) Fail($"nodes did not converge: applied indexes {string.Join(", ", statuses.Select(s => s.LastApplied))}");
        if (applied[0] != committed.Count) Fail($"{committed.Count} entries were committed, but nodes applied {applied[0]}");
        var values = cluster.Nodes.Select(n => n.Raft!.AppliedValues).ToList();
        foreach (var other in values.Skip(1))
        {
            if (other.Count != values[0].Count || other.Any(kv => values[0].GetValueOrDefault(kv.Key) != kv.Value))
                Fail("nodes applied the same entries but hold different values");
        }
    }

    private static bool Holds(IReadOnlyList<LogEntry> log, LogEntry entry) => entry.Index <= log.Count && log[(int)entry.Index - 1] == entry;

    private void Fail(string what) => throw new InvariantViolationException($"{cluster}: {what}");
}

internal sealed class InvariantViolationException(string message) : Exception(message);
