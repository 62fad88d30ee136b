using System.Globalization;

namespace Ddia.Verify.Systems.Raft.StateMachine;

/// <summary>The key-value map, including the fenced storage that the lock service protects.</summary>
internal sealed class KvStore(bool fencing)
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private long highestToken;

    public IReadOnlyDictionary<string, string> Values => values;

    public string? Read(string key) => values.GetValueOrDefault(key);

    public CommandResult Write(string key, string value)
    {
        values[key] = value;
        return CommandResult.Done;
    }

    public CommandResult Cas(KvCas cas)
    {
        var current = Read(cas.Key);
        if (!string.Equals(current, cas.From, StringComparison.Ordinal))
            return CommandResult.Failed("value differs from the expected one", current);
        values[cas.Key] = cas.To;
        return CommandResult.Done;
    }

    /// <summary>DDIA §8: the storage remembers the highest token it has processed and refuses older ones.
    /// Equal tokens pass: one holder writes many times under its token.</summary>
    public CommandResult FencedWrite(FencedWrite write)
    {
        if (fencing && write.Token < highestToken)
        {
            return CommandResult.Failed(string.Create(CultureInfo.InvariantCulture,
                $"token {write.Token} is older than the highest seen, {highestToken}"));
        }
        highestToken = Math.Max(highestToken, write.Token);
        values[write.Key] = write.Value;
        return CommandResult.Done;
    }
}
