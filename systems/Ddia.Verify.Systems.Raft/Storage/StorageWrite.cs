namespace Ddia.Verify.Systems.Raft.Storage;

/// <summary>
/// One batch of changes to durable state, from <see cref="Ready.ToPersist"/>. Apply <see cref="State"/> (when not
/// null), then, when <see cref="LogFrom"/> is not null, discard every stored entry at index ≥ LogFrom and append
/// <see cref="Entries"/> (which start at LogFrom, and may be empty when the log only got shorter).
/// A crash part-way through is harmless provided each part (the state; the truncation; each entry) is written
/// atomically: nothing in the batch has been acknowledged to anyone yet, and a node restarted with entries newer
/// than its stored term adopts their term.
/// </summary>
public sealed record StorageWrite(HardState? State, long? LogFrom, IReadOnlyList<LogEntry> Entries);
