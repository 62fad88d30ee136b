namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// POSIX shell quoting: sshd hands a command line to the user's shell, so an argument vector must become a string in
/// which every argument is one word, taken literally.
/// </summary>
public static class ShellQuote
{
    /// <summary>
    /// Single quotes around the argument; a single quote inside becomes '\'' (close, escaped quote, reopen). Inside
    /// single quotes nothing is special ($, `, \, newlines), and the empty string becomes ''.
    /// </summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(IsPlain))
            return argument;
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>The command line that runs exactly <paramref name="argv"/>.</summary>
    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    // Characters no POSIX shell treats specially anywhere in a word, so such words stay readable in logs.
    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or ':' or '@' or '%' or '+';
}
