using System.Globalization;

namespace Ddia.Verify.Systems.Raft.StateMachine;

/// <summary>
/// One lease lock. Expiry is judged by the wall-clock stamp in each command, never by a clock of the
/// replica applying it: replicas must agree, and the stamp's node may be skewed, which is the lesson.
/// </summary>
internal sealed class LockService
{
    private string? holder;
    private long token;
    private long expiresWallMs;

    public string? Holder => holder;

    public CommandResult Acquire(long index, AcquireLock acquire)
    {
        if (acquire.LeaseMs <= 0) return CommandResult.Failed("the lease must be positive");
        var live = holder is not null && acquire.WallMs < expiresWallMs;
        if (live && !string.Equals(holder, acquire.Client, StringComparison.Ordinal))
        {
            return CommandResult.Failed(string.Create(CultureInfo.InvariantCulture,
                $"held by {holder} until wall time {expiresWallMs} ms"));
        }
        if (!live)
        {
            holder = acquire.Client;
            token = index;
        }
        // A live holder renewing keeps its token: nothing happened in between that a fence must stop.
        expiresWallMs = acquire.WallMs + acquire.LeaseMs;
        return new CommandResult(true, Token: token);
    }

    public CommandResult Release(ReleaseLock release)
    {
        if (!string.Equals(holder, release.Client, StringComparison.Ordinal) || token != release.Token)
            return CommandResult.Failed("not the holder of the lock under that token");
        holder = null;
        return CommandResult.Done;
    }
}
