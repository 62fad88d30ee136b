namespace Ddia.Verify.Systems.Raft.Storage;

/// <summary>What a node restarts from: its hard state and its whole log (indexes 1, 2, … with no gaps).</summary>
public sealed record PersistentState(HardState State, IReadOnlyList<LogEntry> Log)
{
    /// <summary>A node that has never run.</summary>
    public static PersistentState Empty { get; } = new(new HardState(0, null), []);
}
