using System.Text;

namespace Ddia.Verify.Systems.Replication.Leaderless;

/// <summary>
/// Which nodes hold a key (DDIA §5.4, Dynamo's preference list): the cluster's ids sorted into a ring, the key hashed
/// (FNV-1a 32 of its UTF-8 bytes) onto one of them, and that node plus the next N − 1 around the ring are its home
/// replicas. The nodes after them, in ring order, are where a sloppy quorum sends hinted writes.
/// </summary>
public sealed class PreferenceList
{
    private readonly int[] ring;

    public PreferenceList(IEnumerable<int> clusterIds, int n)
    {
        ring = [.. clusterIds.Distinct().Order()];
        if (n < 1 || n > ring.Length) throw new ArgumentOutOfRangeException(nameof(n), $"n must be 1..{ring.Length}");
        N = n;
    }

    public int N { get; }

    public IReadOnlyList<int> Ring => ring;

    /// <summary>Every node of the ring starting at the key's position: the first N are its home replicas, the rest its
    /// fallbacks in the order a sloppy quorum tries them.</summary>
    public IReadOnlyList<int> Walk(string key)
    {
        var start = (int)(Hash(key) % (uint)ring.Length);
        return [.. Enumerable.Range(0, ring.Length).Select(i => ring[(start + i) % ring.Length])];
    }

    public IReadOnlyList<int> Home(string key) => [.. Walk(key).Take(N)];

    public IReadOnlyList<int> Fallbacks(string key) => [.. Walk(key).Skip(N)];

    public static uint Hash(string key)
    {
        var h = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            h ^= b;
            h *= 16777619u;
        }
        return h;
    }
}

/// <summary>Quorum sizes: N replicas, W write acks, R read answers; a majority of N when not given.</summary>
public readonly record struct Quorum(int N, int W, int R)
{
    public static Quorum Of(int clusterSize, int? n, int? w, int? r)
    {
        var replicas = n ?? clusterSize;
        var majority = replicas / 2 + 1;
        return new Quorum(replicas, w ?? majority, r ?? majority);
    }

    /// <summary>W + R > N: every read quorum overlaps every write quorum (DDIA's quorum condition).</summary>
    public bool Overlaps => W + R > N;
}
