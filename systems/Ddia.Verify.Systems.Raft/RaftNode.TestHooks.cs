namespace Ddia.Verify.Systems.Raft;

// What tests may look at beyond Status (internal: visible to Ddia.Verify.Systems.Raft.Tests only).
public sealed partial class RaftNode
{
    internal IReadOnlyList<LogEntry> LogEntries => log.Entries;

    internal string? ReadApplied(string key) => stateMachine.Read(key);

    internal IReadOnlyDictionary<string, string> AppliedValues => stateMachine.Kv.Values;

    internal string? LockHolder => stateMachine.Locks.Holder;
}
