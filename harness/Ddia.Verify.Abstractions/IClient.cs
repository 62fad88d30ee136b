using Ddia.Verify.History;

namespace Ddia.Verify.Abstractions;

/// <summary>
/// A client of the system under test, with Jepsen's five verbs (STYLE.md G3). The client in a test's
/// spec is a prototype: <see cref="OpenAsync"/> returns a new connected client per worker, and each
/// worker's client is used by one thread at a time.
/// </summary>
public interface IClient
{
    /// <summary>Connects to <paramref name="node"/>. Must not change the logical state of the test. Returns a new client.</summary>
    ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation);

    /// <summary>Creates what the workload needs (tables, keys), once per test, before any op.</summary>
    ValueTask SetupAsync(TestContext test, CancellationToken cancellation);

    /// <summary>
    /// Performs <paramref name="invocation"/> and returns its completion: Ok if it happened, Fail if it
    /// definitely did not, Info if the outcome is unknown. Throwing, or taking longer than the op
    /// timeout, is recorded as Info: never retry an op here.
    /// </summary>
    ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation);

    ValueTask TeardownAsync(TestContext test, CancellationToken cancellation);

    /// <summary>Closes the connection. Must not change the logical state of the test.</summary>
    ValueTask CloseAsync(TestContext test, CancellationToken cancellation);
}

/// <summary>A client that does nothing and says Ok: the default slot of a test spec.</summary>
public sealed class NoopClient : IClient
{
    public static NoopClient Instance { get; } = new();
    public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.FromResult<IClient>(this);
    public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
    public ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation) =>
        ValueTask.FromResult(invocation with { Type = OpType.Ok });
    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
    public ValueTask CloseAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
}
