namespace Ddia.Verify.Systems.Raft.StateMachine;

/// <summary>
/// What a log entry asks the replicated state machine to do. The set is closed: the KV store
/// (read, write, cas), the lock service (acquire, release) and its fenced storage, and the no-op a new
/// leader appends. Commands are immutable values and compare by value; keys and values are opaque
/// strings (the node program may store JSON text in them).
/// </summary>
public abstract record Command
{
    private protected Command()
    {
    }
}

/// <summary>Appended by every new leader at the start of its term, so that it can commit, and learn the
/// commit index, without waiting for a client write (Raft §5.4.2, §8).</summary>
public sealed record Noop : Command
{
    public static Noop Instance { get; } = new();
}

/// <summary>A read that goes through the log (read mode <see cref="ReadMode.Log"/>). Result: the value, or
/// null when the key is absent.</summary>
public sealed record KvRead(string Key) : Command;

public sealed record KvWrite(string Key, string Value) : Command;

/// <summary>Compare-and-set: sets <paramref name="To"/> when the key holds <paramref name="From"/>
/// (null: the key is absent). A mismatch is a definite "did nothing" that reports the value found.</summary>
public sealed record KvCas(string Key, string? From, string To) : Command;

/// <summary>
/// Takes the one lock for <paramref name="LeaseMs"/>, or renews it for its holder. <paramref name="WallMs"/> is the
/// wall clock (skewable, DESIGN.md §4) of the node that accepted the request, read when it arrived: every
/// replica judges lease expiry by this stamp, so they agree, and a skewed clock skews the lease, on purpose.
/// Result: the fencing token (the log index of the granting entry, so tokens only grow).
/// </summary>
public sealed record AcquireLock(string Client, long LeaseMs, long WallMs) : Command;

/// <summary>Frees the lock when <paramref name="Client"/> holds it under <paramref name="Token"/>.</summary>
public sealed record ReleaseLock(string Client, long Token) : Command;

/// <summary>A write to the storage that the lock protects (DDIA §8, fencing tokens): rejected when
/// <paramref name="Token"/> is older than the highest token that storage has seen, unless fencing is off.</summary>
public sealed record FencedWrite(long Token, string Key, string Value) : Command;
