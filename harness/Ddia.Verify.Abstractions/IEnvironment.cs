using System.Collections.Immutable;

namespace Ddia.Verify.Abstractions;

/// <summary>
/// Where the nodes run (DESIGN.md §6): local network namespaces, Docker containers or SSH hosts. Opening
/// one makes the nodes reachable; disposing the session removes everything it made (namespaces, bridges,
/// firewall rules, processes), also after a failed or interrupted run.
/// </summary>
public interface IEnvironment
{
    /// <summary>Makes <paramref name="nodeCount"/> nodes named n1…nN ready for a test.</summary>
    ValueTask<EnvironmentSession> OpenAsync(string testName, int nodeCount, CancellationToken cancellation);
}

/// <summary>An open environment: its nodes and how to act on them. Dispose to remove what it made.</summary>
public abstract class EnvironmentSession : IAsyncDisposable
{
    public abstract ImmutableArray<Node> Nodes { get; }

    public abstract IRemote Remote { get; }

    /// <summary>Faults this environment cannot inject and why, in plain words (empty when it can do all).</summary>
    public virtual IReadOnlyList<string> Limitations => [];

    public abstract ValueTask DisposeAsync();
}
