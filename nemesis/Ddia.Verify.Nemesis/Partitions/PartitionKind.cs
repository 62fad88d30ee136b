namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>The shapes of partition the partition nemesis draws (the value of a <c>start-partition</c> op).</summary>
public enum PartitionKind
{
    /// <summary>One random node cut off from all others.</summary>
    One,
    /// <summary>Two random halves (the smaller first), cut off from each other.</summary>
    Halves,
    /// <summary>Each node sees a majority, and no two nodes see the same one (Jepsen's majorities-ring).</summary>
    MajoritiesRing,
    /// <summary>Two halves that share one node, which hears and is heard by everyone.</summary>
    Bridge,
    /// <summary>The current primaries cut off from the rest (asked of an <c>IPrimaryAware</c> system).</summary>
    Primaries,
}

public static class PartitionKinds
{
    public static IReadOnlyList<PartitionKind> All { get; } = Enum.GetValues<PartitionKind>();

    public static string Name(this PartitionKind kind) => kind switch
    {
        PartitionKind.One => "one",
        PartitionKind.Halves => "halves",
        PartitionKind.MajoritiesRing => "majorities-ring",
        PartitionKind.Bridge => "bridge",
        _ => "primaries",
    };

    public static PartitionKind Parse(string? name)
    {
        foreach (var kind in All)
            if (kind.Name() == name) return kind;
        throw new ArgumentException($"'{name}' is not a partition: use {string.Join(", ", All.Select(Name))}", nameof(name));
    }
}
