namespace Ddia.Verify.Node.Tests;

/// <summary>One three-node cluster with <c>--peer-http</c> (followers forward to the leader), shared by the tests of
/// a class: starting processes and electing is most of a process test's time. Tests use their own keys, and put
/// back what they change (clock offsets).</summary>
public sealed class PeerHttpClusterFixture : IAsyncLifetime, IDisposable
{
    internal NodeCluster Cluster { get; } = new(3, new NodeClusterOptions { PeerHttp = true });

    public async Task InitializeAsync() => await Cluster.Leader().ConfigureAwait(false);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Cluster.Dispose();
}
