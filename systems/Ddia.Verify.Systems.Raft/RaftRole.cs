namespace Ddia.Verify.Systems.Raft;

public enum RaftRole
{
    Follower,

    /// <summary>Asking for pre-votes: its term has not changed yet.</summary>
    PreCandidate,

    Candidate,
    Leader,
}
