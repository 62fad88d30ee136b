namespace Ddia.Verify.Checkers;

/// <summary>
/// A history a checker cannot read: an op whose value has the wrong shape for the model, or a
/// broken pairing. <see cref="Position"/> is the op's position in the history, so the caller can name
/// the file and line; <see cref="Field"/> names the part of the op at fault.
/// </summary>
public sealed class CheckerInputException(int position, string? field, string problem)
    : Exception(field is null ? problem : $"field '{field}': {problem}")
{
    public int Position { get; } = position;
    public string? Field { get; } = field;
    public string Problem { get; } = problem;
}
