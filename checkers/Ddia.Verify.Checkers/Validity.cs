namespace Ddia.Verify.Checkers;

/// <summary>
/// A checker's verdict. The numeric order is the merge priority (as Jepsen's <c>merge-valid</c>): a
/// composed result is the worst of its parts, and a checker that could not finish says
/// <see cref="Unknown"/>, never <see cref="Valid"/>.
/// </summary>
public enum Validity
{
    Valid = 0,
    Unknown = 1,
    Invalid = 2,
}

public static class ValidityExtensions
{
    public static Validity Merge(this Validity a, Validity b) => (Validity)Math.Max((int)a, (int)b);

    public static string Name(this Validity v) => v switch
    {
        Validity.Valid => "valid",
        Validity.Invalid => "invalid",
        _ => "unknown",
    };
}
