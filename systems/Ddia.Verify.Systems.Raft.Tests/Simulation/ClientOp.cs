using System.Globalization;

namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

internal enum OpKind { Read, Write, Cas }

/// <summary>As in Jepsen: ok happened, fail definitely did not, info may have (at any time after the invoke).</summary>
internal enum OpOutcome { Pending, Ok, Fail, Info }

/// <summary>One client operation on one key, as the client saw it. Times are <see cref="SimCluster.Stamp"/>s: real-time
/// order between any two events is exact.</summary>
internal sealed class ClientOp(int process, OpKind kind, string key, string? from, string? value, long invoke)
{
    public int Process { get; } = process;

    public OpKind Kind { get; } = kind;

    public string Key { get; } = key;

    /// <summary>cas: the expected value (null: absent).</summary>
    public string? From { get; } = from;

    /// <summary>write and cas: the value written; read: the value read, once ok.</summary>
    public string? Value { get; set; } = value;

    /// <summary>cas that completed: whether it swapped (false: it saw another value, which is an observation).</summary>
    public bool Swapped { get; set; }

    public long Invoke { get; } = invoke;

    public long? Complete { get; set; }

    public OpOutcome Outcome { get; set; }

    public override string ToString()
    {
        var what = Kind switch
        {
            OpKind.Read => $"read {Key} -> {Value ?? "nil"}",
            OpKind.Write => $"write {Key} {Value}",
            _ => $"cas {Key} {From ?? "nil"}->{Value} swapped={Swapped}",
        };
        var end = Complete is { } c ? c.ToString(CultureInfo.InvariantCulture) : "_";
        return string.Create(CultureInfo.InvariantCulture, $"p{Process} {what} {Outcome} [{Invoke},{end}]");
    }
}
