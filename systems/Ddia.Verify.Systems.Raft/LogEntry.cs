using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft;

/// <summary>One log entry. Indexes start at 1 and have no gaps; index 0 with term 0 is the empty prefix.</summary>
public sealed record LogEntry(long Index, long Term, Command Command);
