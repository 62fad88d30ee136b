namespace Ddia.Verify.History;

/// <summary>What a client or the nemesis saw of one operation (DESIGN.md §2).</summary>
public enum OpType : byte
{
    /// <summary>The client starts the operation.</summary>
    Invoke,
    /// <summary>It definitely happened.</summary>
    Ok,
    /// <summary>It definitely did not happen.</summary>
    Fail,
    /// <summary>Unknown: it may have happened, at any time after its invoke, even after the test ended.</summary>
    Info,
}

/// <summary>
/// One event of a history. <see cref="Time"/> is nanoseconds since the test started (monotonic), or -1
/// where the source has none; the order of a history, not <see cref="Time"/>, is its real-time order.
/// <see cref="Key"/> is set for ops on independent keys (Jepsen's <c>[k v]</c> tuples).
/// </summary>
public readonly record struct Op(
    long Index,
    long Time,
    OpType Type,
    int Process,
    string F,
    Value Value,
    Value? Key = null,
    Value? Error = null)
{
    /// <summary>The process id of the nemesis (<c>:nemesis</c> in EDN, <c>"nemesis"</c> in JSON).</summary>
    public const int NemesisProcess = -1;

    /// <summary>The process id of an op whose source named no process.</summary>
    public const int NoProcess = -2;

    public bool IsClient => Process >= 0;
    public bool IsInvoke => Type == OpType.Invoke;
    public bool IsCompletion => Type != OpType.Invoke;

    public static string TypeName(OpType type) => type switch
    {
        OpType.Invoke => "invoke",
        OpType.Ok => "ok",
        OpType.Fail => "fail",
        _ => "info",
    };

    public static bool TryParseType(string? text, out OpType type)
    {
        switch (text)
        {
            case "invoke": type = OpType.Invoke; return true;
            case "ok": type = OpType.Ok; return true;
            case "fail": type = OpType.Fail; return true;
            case "info": type = OpType.Info; return true;
            default: type = default; return false;
        }
    }

    public override string ToString()
    {
        var process = Process switch { NemesisProcess => "nemesis", NoProcess => "-", _ => Process.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var key = Key is null ? "" : $" {Key}";
        return $"{{index {Index}, process {process}, {TypeName(Type)} {F}{key} {Value}}}";
    }
}
