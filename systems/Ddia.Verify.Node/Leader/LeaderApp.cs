using Microsoft.Extensions.Hosting;

namespace Ddia.Verify.Node.Leader;

/// <summary>
/// <c>ddia-node --system leader</c>: DDIA §5.1's single-leader replication (<see cref="LeaderNode"/>). DIR holds the
/// replication log (leader.log), the latest snapshot (snapshot.json) and the node's epoch (epoch.json).
/// </summary>
internal static class LeaderApp
{
    public static async Task<int> RunAsync(NodeOptions options)
    {
        using var node = new LeaderNode(options);
        var app = LeaderHttpApi.Build(options, node);
        await app.StartAsync().ConfigureAwait(false);
        node.Start();
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
