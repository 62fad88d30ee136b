using Ddia.Verify.Abstractions;
using Ddia.Verify.History;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>
/// The <see cref="IClient"/> plumbing of the adapters' HTTP clients: the instance the harness is given is an unopened
/// prototype; each open makes a new client with its own <see cref="ClusterConnection"/> to its node; setup and teardown
/// do nothing; close drops the connection. Only this assembly derives from it (the constructor is private protected).
/// </summary>
public abstract class ClusterClient : IClient
{
    private readonly ClusterConnection? connection;

    private protected ClusterClient(ClusterConnection? connection) => this.connection = connection;

    /// <summary>The node this client's next op goes to (after a not-leader answer, the leader it named, for systems
    /// that name one); null for an unopened client.</summary>
    public Node? Target => connection?.Target;

    /// <summary>The opened client's connection.</summary>
    private protected ClusterConnection Connection =>
        connection ?? throw new InvalidOperationException("open the client before invoking ops on it");

    public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        return ValueTask.FromResult(Open(test.Nodes, node));
    }

    public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public abstract ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation);

    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask CloseAsync(TestContext test, CancellationToken cancellation)
    {
        connection?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A new client of the same kind and options, connected to <paramref name="first"/> of <paramref name="nodes"/>.</summary>
    private protected abstract IClient Open(IReadOnlyList<Node> nodes, Node first);
}
