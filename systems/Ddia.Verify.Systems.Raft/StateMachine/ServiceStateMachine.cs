namespace Ddia.Verify.Systems.Raft.StateMachine;

/// <summary>
/// The replicated state machine: the KV store and the lock service, applied in log order. Deterministic:
/// the same entries in the same order give the same results on every replica and after every restart
/// (a restarted node replays its log from index 1; there are no snapshots).
/// </summary>
internal sealed class ServiceStateMachine(bool fencing)
{
    private readonly KvStore kv = new(fencing);
    private readonly LockService locks = new();

    public KvStore Kv => kv;

    public LockService Locks => locks;

    public CommandResult Apply(LogEntry entry) => entry.Command switch
    {
        Noop => CommandResult.Done,
        KvRead read => new CommandResult(true, kv.Read(read.Key)),
        KvWrite write => kv.Write(write.Key, write.Value),
        KvCas cas => kv.Cas(cas),
        AcquireLock acquire => locks.Acquire(entry.Index, acquire),
        ReleaseLock release => locks.Release(release),
        FencedWrite write => kv.FencedWrite(write),
        _ => throw new InvalidOperationException($"no state machine rule for {entry.Command.GetType().Name}"),
    };

    public string? Read(string key) => kv.Read(key);
}
