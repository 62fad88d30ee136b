namespace Ddia.Verify.Abstractions;

/// <summary>Installs, starts and removes the system on one node (Jepsen's DB). Called once per node, nodes in parallel.</summary>
public interface IDb
{
    ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation);

    /// <summary>Stops the system and removes what setup made. Must succeed on a node where setup failed halfway.</summary>
    ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation);
}

/// <summary>Optional: the system can be killed (SIGKILL) and started again.</summary>
public interface IKillable
{
    ValueTask KillAsync(TestContext test, Node node, CancellationToken cancellation);
    ValueTask StartAsync(TestContext test, Node node, CancellationToken cancellation);
}

/// <summary>Optional: the system's processes can be paused (SIGSTOP) and resumed.</summary>
public interface IPausable
{
    ValueTask PauseAsync(TestContext test, Node node, CancellationToken cancellation);
    ValueTask ResumeAsync(TestContext test, Node node, CancellationToken cancellation);
}

/// <summary>Optional: the system can say which nodes lead now (for "isolate the leader").</summary>
public interface IPrimaryAware
{
    ValueTask<IReadOnlyList<Node>> PrimariesAsync(TestContext test, CancellationToken cancellation);
}

/// <summary>Optional: log files to collect after the run, also when it failed: remote path → name in the store.</summary>
public interface IHasLogFiles
{
    IReadOnlyDictionary<string, string> LogFiles(TestContext test, Node node);
}

/// <summary>A system that needs nothing installed: the default slot of a test spec.</summary>
public sealed class NoopDb : IDb
{
    public static NoopDb Instance { get; } = new();
    public ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.CompletedTask;
    public ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.CompletedTask;
}
