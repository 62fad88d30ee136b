namespace Ddia.Verify.History;

/// <summary>
/// Input that cannot be read as a history. The message always names the file, the line and, where
/// one is to blame, the field: "history.jsonl:12: field 'type': expected invoke, ok, fail or info".
/// </summary>
public sealed class HistoryFormatException(string source, int line, string? field, string problem)
    : Exception(Describe(source, line, field, problem))
{
    public string File { get; } = source;
    public int Line { get; } = line;
    public string? Field { get; } = field;
    public string Problem { get; } = problem;

    private static string Describe(string source, int line, string? field, string problem) =>
        field is null ? $"{source}:{line}: {problem}" : $"{source}:{line}: field '{field}': {problem}";
}
