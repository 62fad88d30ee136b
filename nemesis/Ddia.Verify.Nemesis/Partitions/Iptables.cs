using System.Globalization;
using System.Text;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>
/// The iptables commands the network nemeses run inside a node (its namespace, container or host).
/// Every rule we add is on INPUT, matches one peer's address and carries our comment, so that
/// clients (which connect from the host's bridge address) are never cut off and healing deletes
/// exactly our rules: other rules in the chain, the environment's own included, are left alone.
/// <c>-w</c> waits for the xtables lock, which nodes on one machine share.
/// </summary>
public static class Iptables
{
    public const string PartitionComment = "ddia-verify-partition";
    public const string LossComment = "ddia-verify-loss";

    /// <summary>Drop every packet from <paramref name="peerAddress"/>.</summary>
    public static IReadOnlyList<string> DropFrom(string peerAddress, string comment) =>
        ["iptables", "-w", "-A", "INPUT", "-s", peerAddress, "-m", "comment", "--comment", comment, "-j", "DROP"];

    /// <summary>Drop each packet from <paramref name="peerAddress"/> with probability <paramref name="probability"/>.</summary>
    public static IReadOnlyList<string> DropRandomlyFrom(string peerAddress, double probability, string comment)
    {
        CheckProbability(probability);
        return ["iptables", "-w", "-A", "INPUT", "-s", peerAddress,
                "-m", "statistic", "--mode", "random", "--probability", probability.ToString("0.######", CultureInfo.InvariantCulture),
                "-m", "comment", "--comment", comment, "-j", "DROP"];
    }

    public static IReadOnlyList<string> ListInput { get; } = ["iptables", "-w", "-S", "INPUT"];

    /// <summary>
    /// The delete commands for the rules of <paramref name="listing"/> (the output of <see cref="ListInput"/>)
    /// that carry exactly <paramref name="comment"/>: each rule deleted by its own specification.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Deletions(string listing, string comment)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var deletions = new List<IReadOnlyList<string>>();
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var tokens = Tokens(line);
            if (tokens is not ["-A", "INPUT", ..]) continue;
            var at = tokens.IndexOf("--comment");
            if (at < 0 || at + 1 >= tokens.Count || tokens[at + 1] != comment) continue;
            deletions.Add(["iptables", "-w", "-D", .. tokens.Skip(1)]);
        }
        return deletions;
    }

    /// <summary>Deletes our rules with <paramref name="comment"/> on <paramref name="node"/>; returns how many. Failures throw.</summary>
    public static async ValueTask<int> RemoveAsync(IRemote remote, Node node, string comment, CancellationToken cancellation)
    {
        var listing = await remote.RunAsync(node, ListInput, cancellation).ConfigureAwait(false);
        var deletions = Deletions(listing, comment);
        foreach (var delete in deletions) await remote.RunAsync(node, delete, cancellation).ConfigureAwait(false);
        return deletions.Count;
    }

    internal static void CheckProbability(double probability)
    {
        if (!(probability is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in (0, 1]");
    }

    /// <summary>Splits an <c>iptables -S</c> line; iptables double-quotes arguments that contain spaces.</summary>
    private static List<string> Tokens(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"') { quoted = !quoted; any = true; }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any) tokens.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else { current.Append(c); any = true; }
        }
        if (any) tokens.Add(current.ToString());
        return tokens;
    }
}
