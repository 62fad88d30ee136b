using Spectre.Console;

namespace Ddia.Verify.Harness.Terminal;

/// <summary>The console the CLI draws on: Spectre over the given writer; wide when it is not a terminal, so logs and
/// CI output keep one table row per line.</summary>
public static class Consoles
{
    public static IAnsiConsole For(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (!console.Profile.Capabilities.Interactive) console.Profile.Width = 200;
        return console;
    }
}
