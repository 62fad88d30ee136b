using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Run;

/// <summary>
/// Numbers the ops of a run and streams them to disk as they happen (each line flushed), so a run
/// that crashes, or a harness killed with SIGKILL, leaves every recorded op in a history that
/// <c>check</c> reads. Called from the interpreter's one loop thread only.
/// </summary>
/// <param name="onOp">Told of every op once it is on disk (live progress); must be quick.</param>
public sealed class HistoryRecorder(JsonlHistoryWriter? writer, Action<Op>? onOp = null) : IDisposable
{
    private readonly List<Op> ops = [];

    public IReadOnlyList<Op> Ops => ops;

    /// <summary>Appends <paramref name="op"/> with the next index; returns it as recorded.</summary>
    public Op Record(Op op)
    {
        var recorded = op with { Index = ops.Count };
        ops.Add(recorded);
        writer?.Append(recorded);
        onOp?.Invoke(recorded);
        return recorded;
    }

    public void Dispose() => writer?.Dispose();
}
