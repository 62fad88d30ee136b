using System.Text.Json;

namespace Ddia.Verify.Reports;

/// <summary>
/// One answer of one node to the harness's status request during the run. <see cref="Time"/> is in nanoseconds
/// since the test started, on the same clock as <see cref="History.Op.Time"/>, so samples line up with ops and
/// fault windows. <see cref="Json"/> is the status as the node sent it, or null when it did not answer.
/// </summary>
public sealed record StatusSample(long Time, string Node, string? Json);

/// <summary>How far a follower was behind at one sample time, in log entries; null: a gap in its line (it did not
/// answer, it was the leader then, or no leader answered).</summary>
internal readonly record struct LagPoint(long Time, long? Entries);

/// <summary>
/// Replication lag from status samples (ddia-node's leader and Raft systems report role, epoch or term, lastIndex
/// and appliedIndex): at each sample time, lag = the leader's lastIndex − the follower's appliedIndex. The leader is
/// the node reporting role "leader" with the highest epoch (term), so a deposed leader cut off in a minority does
/// not count. Each node's latest sample stands for it until its next one; samples with one time are one round and
/// are taken together. Pure, so the plot is tested without drawing.
/// </summary>
internal static class ReplicationLag
{
    /// <summary>What a status says that the lag needs; null fields were absent.</summary>
    private sealed record NodeState(bool IsLeader, long Epoch, long? LastIndex, long? AppliedIndex);

    /// <summary>Per node (by name), its points in time order. Nodes that never have a lag (they always led, or never
    /// reported an applied index) are left out, so statuses without these fields give an empty result.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<LagPoint>> Compute(IReadOnlyList<StatusSample> samples)
    {
        var latest = new SortedDictionary<string, NodeState?>(StringComparer.Ordinal);
        var series = new SortedDictionary<string, List<LagPoint>>(StringComparer.Ordinal);
        // OrderBy is stable: samples of one time keep their order.
        var ordered = samples.OrderBy(s => s.Time).ToList();
        for (var i = 0; i < ordered.Count;)
        {
            var time = ordered[i].Time;
            var round = new List<string>();
            for (; i < ordered.Count && ordered[i].Time == time; i++)
            {
                latest[ordered[i].Node] = Parse(ordered[i].Json);
                if (!round.Contains(ordered[i].Node, StringComparer.Ordinal)) round.Add(ordered[i].Node);
            }

            var (leader, leaderLast) = Leader(latest);
            foreach (var node in round)
            {
                long? lag = latest[node] is { AppliedIndex: { } applied } && leader is not null && leader != node ? leaderLast - applied : null;
                if (!series.TryGetValue(node, out var points)) series[node] = points = [];
                points.Add(new LagPoint(time, lag));
            }
        }
        return series.Where(s => s.Value.Any(p => p.Entries is not null))
            .ToDictionary(s => s.Key, s => (IReadOnlyList<LagPoint>)s.Value, StringComparer.Ordinal);
    }

    /// <summary>The node saying it leads in the highest epoch, and its last index; (null, 0) when none does. Of two in one
    /// epoch (which a correct system never has) the longer log wins, then the first name.</summary>
    private static (string? Node, long LastIndex) Leader(SortedDictionary<string, NodeState?> latest)
    {
        (string? Node, long Epoch, long LastIndex) best = (null, 0, 0);
        foreach (var (node, state) in latest)
        {
            if (state is not { IsLeader: true, LastIndex: { } last }) continue;
            if (best.Node is null || (state.Epoch, last).CompareTo((best.Epoch, best.LastIndex)) > 0) best = (node, state.Epoch, last);
        }
        return (best.Node, best.LastIndex);
    }

    /// <summary>The fields the lag needs; null for no answer or an answer that is not a JSON object.</summary>
    private static NodeState? Parse(string? json)
    {
        if (json is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var leader = root.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "leader";
            return new NodeState(leader, Long(root, "epoch") ?? Long(root, "term") ?? 0, Long(root, "lastIndex"), Long(root, "appliedIndex"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long? Long(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
}
