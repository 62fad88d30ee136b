using Ddia.Verify.Checkers;

namespace Ddia.Verify.Harness.Cli;

/// <summary>Exit codes as Jepsen's: a script can tell a verdict from a usage error from a crash.</summary>
public static class ExitCodes
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int Unknown = 2;
    public const int BadInput = 254;
    public const int InternalError = 255;

    public static int Of(Validity v) => v switch
    {
        Validity.Valid => Valid,
        Validity.Invalid => Invalid,
        _ => Unknown,
    };
}

/// <summary>A bad argument or input the user can fix; the message says what and where.</summary>
public sealed class UsageException(string message) : Exception(message);
