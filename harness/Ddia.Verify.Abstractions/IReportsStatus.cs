namespace Ddia.Verify.Abstractions;

/// <summary>
/// Optional: the system can say how one node is doing, as the JSON its status endpoint returns (for example
/// ddia-node's <c>GET /admin/status</c>: role, epoch or term, lastIndex, appliedIndex…). The harness samples every
/// node with it during the run and plots what it can read (replication lag); it does not interpret anything else.
/// </summary>
public interface IReportsStatus
{
    /// <summary>The node's status as raw JSON text, or null when it does not answer (down, paused, cut off) in about a
    /// second. Never throws for a node that does not answer; cancellation by the caller propagates.</summary>
    ValueTask<string?> StatusJsonAsync(TestContext test, Node node, CancellationToken cancellation);
}
