using Ddia.Verify.Abstractions;
using Ddia.Verify.History;

namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>What the partition and loss nemeses share: applying rules per node and removing ours.</summary>
internal static class Firewall
{
    public const string Unavailable = "this environment has no firewall (RemoteCapabilities.Firewall): nothing done";

    /// <summary>Runs each node's commands in order, nodes in parallel.</summary>
    public static Task<IReadOnlyDictionary<Node, string>> ApplyAsync(IRemote remote,
        IReadOnlyDictionary<Node, List<IReadOnlyList<string>>> rules, CancellationToken cancellation) =>
        PerNode.RunAsync(rules.Keys, async node =>
        {
            foreach (var rule in rules[node]) await remote.RunAsync(node, rule, cancellation).ConfigureAwait(false);
        });

    /// <summary>Removes our rules with <paramref name="comment"/> from every node of the test.</summary>
    public static async Task<(int Removed, IReadOnlyDictionary<Node, string> Errors)> HealAsync(TestContext test, string comment,
        CancellationToken cancellation)
    {
        var removed = 0;
        var errors = await PerNode.RunAsync(test.Nodes, async node =>
        {
            var n = await Iptables.RemoveAsync(test.Remote, node, comment, cancellation).ConfigureAwait(false);
            Interlocked.Add(ref removed, n);
        }).ConfigureAwait(false);
        return (removed, errors);
    }

    public static IEnumerable<(string, Value)> ErrorsEntry(IReadOnlyDictionary<Node, string> errors) =>
        errors.Count == 0 ? [] : [("errors", Values.Errors(errors))];
}
