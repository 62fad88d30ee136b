namespace Ddia.Verify.Systems.Raft.Storage;

/// <summary>
/// Durable storage of a node's hard state and log. The core never calls it: the host loads the state once and
/// passes it to <see cref="RaftNode"/>, then hands every <see cref="Ready.ToPersist"/> to <see cref="Persist"/>.
/// Calls come from the one thread that drives the node, never concurrently.
/// </summary>
public interface IRaftStorage
{
    /// <summary>Called once, when the node starts, before any input reaches it. Returns what the last
    /// completed <see cref="Persist"/> left; <see cref="PersistentState.Empty"/> on first start.</summary>
    PersistentState Load();

    /// <summary>Called with each non-null <see cref="Ready.ToPersist"/>, before any message or response of that
    /// Ready leaves the process. Must return only once the write is durable (fsync): returning early breaks Raft
    /// (a node could vote twice in a term, or an acknowledged write could vanish). Must not keep references it
    /// expects to change: batches are immutable.</summary>
    void Persist(StorageWrite write);
}
