using System.Text;

namespace Ddia.Verify.Node.TwoPc;

/// <summary>
/// Which node owns a key: hash partitioning (DDIA §6, "partitioning by hash of key"). The nodes are all ids (this
/// one and its peers) sorted; a key belongs to the node at index FNV-1a-32(UTF-8 of the key) mod their count. Every
/// node computes the same map from the same command line, so any node can route any key. A key given as a JSON
/// number is hashed as its raw text (TxnHttpApi.TryKeyText), as the store names it.
/// </summary>
internal sealed class Partitioning(IEnumerable<int> nodeIds)
{
    private readonly int[] nodes = [.. nodeIds.Distinct().Order()];

    public IReadOnlyList<int> Nodes => nodes;

    public int Owner(string key) => nodes[(int)(Fnv1a32(key) % (uint)nodes.Length)];

    /// <summary>32-bit FNV-1a: offset basis 2166136261, prime 16777619, one byte at a time.</summary>
    public static uint Fnv1a32(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }
}

/// <summary>A global transaction id, <c>{coordinatorId}.{incarnation}.{n}</c>: the incarnation is a random number drawn
/// at each process start (nothing persisted), so a coordinator can tell a transaction of one of its previous lives
/// (which it never decided to commit unless its decision log says so: presumed abort).</summary>
internal readonly record struct GlobalTxnId(int Coordinator, long Incarnation, long Number)
{
    public override string ToString() => FormattableString.Invariant($"{Coordinator}.{Incarnation}.{Number}");

    public static GlobalTxnId? Parse(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 3
               && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c)
               && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
               && long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? new GlobalTxnId(c, i, n)
            : null;
    }
}
