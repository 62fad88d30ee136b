namespace Ddia.Verify.Systems.Replication.SingleLeader;

/// <summary>What a node tells a candidate about its log: its epoch and its last entry's index and epoch.</summary>
public readonly record struct LogPosition(int Id, long Epoch, long LastIndex, long LastEpoch);

/// <summary>
/// Naive failover's choice (DDIA §5.1 "Handling node outages: failover"): among the nodes a candidate could reach,
/// itself included, the one with the most up-to-date log becomes leader: the highest last epoch, then the highest last
/// index, then the lowest id. Nothing requires a majority, so two partitions can each pick one.
/// </summary>
public static class ElectionRule
{
    /// <summary>The node that should lead among <paramref name="reachable"/> (not empty).</summary>
    public static int Best(IEnumerable<LogPosition> reachable) =>
        reachable.OrderByDescending(p => p.LastEpoch).ThenByDescending(p => p.LastIndex).ThenBy(p => p.Id).First().Id;

    /// <summary>
    /// The epoch node <paramref name="id"/> takes when it becomes leader: the smallest one above
    /// <paramref name="maxSeen"/> that is its own (epoch mod cluster size = its position among the sorted ids). Two
    /// nodes elected at once in two partitions thus never share an epoch: log matching compares entries by (index,
    /// epoch), so equal epochs with different entries would look identical. Epoch 1 is the initial leader's.
    /// </summary>
    public static long NextEpoch(long maxSeen, int id, IReadOnlyList<int> clusterIds)
    {
        var sorted = clusterIds.Order().ToList();
        var position = sorted.IndexOf(id);
        if (position < 0) throw new ArgumentException($"node {id} is not in the cluster", nameof(id));
        var epoch = Math.Max(maxSeen, 1) + 1;
        while (epoch % sorted.Count != position) epoch++;
        return epoch;
    }
}
