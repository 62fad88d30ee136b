namespace Ddia.Verify.Systems.Raft.StateMachine;

/// <summary>
/// What applying a command did. <see cref="Ok"/> false is a definite outcome of the command itself (a cas
/// mismatch, a lock held by someone else, a write fenced off), never a doubt about whether it ran.
/// </summary>
/// <param name="Value">read: the value (null: absent); failed cas: the value found.</param>
/// <param name="Token">acquire: the fencing token granted.</param>
/// <param name="Error">why <see cref="Ok"/> is false, for people.</param>
public sealed record CommandResult(bool Ok, string? Value = null, long? Token = null, string? Error = null)
{
    internal static CommandResult Done { get; } = new(true);

    internal static CommandResult Failed(string error, string? value = null) => new(false, value, null, error);
}
