using Ddia.Verify.History;

namespace Ddia.Verify.Abstractions;

/// <summary>
/// Injects faults (STYLE.md G6). <see cref="Fs"/> names the ops it handles, so nemeses compose by f.
/// Completions are always Info: a fault is a note in the history, not an operation with an outcome.
/// </summary>
public interface INemesis
{
    IReadOnlySet<string> Fs { get; }

    ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation);

    ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation);

    /// <summary>Heals every fault it may have left: called at the end of every run, Ctrl-C included.</summary>
    ValueTask TeardownAsync(TestContext test, CancellationToken cancellation);
}

/// <summary>A nemesis that handles nothing: the default slot of a test spec.</summary>
public sealed class NoopNemesis : INemesis
{
    public static NoopNemesis Instance { get; } = new();
    public IReadOnlySet<string> Fs { get; } = new HashSet<string>();
    public ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.FromResult<INemesis>(this);
    public ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation) =>
        ValueTask.FromResult(op with { Type = OpType.Info });
    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
}
