using System.Collections.Concurrent;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Nemesis;

/// <summary>Runs one action per node, nodes in parallel, and collects each node's failure instead of stopping at the first.</summary>
internal static class PerNode
{
    /// <summary>Node → what went wrong there; empty when every node succeeded. Cancellation still propagates.</summary>
    public static async Task<IReadOnlyDictionary<Node, string>> RunAsync(IEnumerable<Node> nodes, Func<Node, ValueTask> action)
    {
        var errors = new ConcurrentDictionary<Node, string>();
        await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                await action(node).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A node we cannot reach is part of what happened: the completion says so.
                errors[node] = Values.Describe(e);
            }
        })).ConfigureAwait(false);
        return errors;
    }

    /// <summary>After a teardown: a fault that may have outlived the run must not pass silently.</summary>
    public static void ThrowIfAny(string what, IReadOnlyDictionary<Node, string> errors)
    {
        if (errors.Count == 0) return;
        throw new NemesisTeardownException(what, errors);
    }
}

/// <summary>Healing failed on some nodes: a fault may still be in place there.</summary>
public sealed class NemesisTeardownException(string what, IReadOnlyDictionary<Node, string> errors)
    : Exception($"could not {what} on {string.Join("; ", errors.OrderBy(e => e.Key.Name, StringComparer.Ordinal).Select(e => $"{e.Key.Name}: {e.Value}"))}")
{
    public IReadOnlyDictionary<Node, string> Errors { get; } = errors;
}
