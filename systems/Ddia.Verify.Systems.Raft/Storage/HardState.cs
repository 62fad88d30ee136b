namespace Ddia.Verify.Systems.Raft.Storage;

/// <summary>The two scalars Raft must keep across crashes: the current term, and whom this node voted for in it.</summary>
public readonly record struct HardState(long Term, int? VotedFor);
