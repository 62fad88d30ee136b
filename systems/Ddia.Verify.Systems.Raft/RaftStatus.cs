namespace Ddia.Verify.Systems.Raft;

/// <summary>A snapshot of a node's state, for <c>/admin/status</c> and for tests.</summary>
/// <param name="LeaderId">the leader this node follows (itself when leading), or null when it knows none.</param>
/// <param name="LeaseExpiresWallMs">when leading, the wall-clock time its lease ends (the start of time when it
/// has none); null otherwise.</param>
public sealed record RaftStatus(
    int Id, RaftRole Role, long Term, int? LeaderId, int? VotedFor, long CommitIndex, long LastApplied, long LastLogIndex,
    long LastLogTerm, long? LeaseExpiresWallMs);
