using Ddia.Verify.Checkers;
using Ddia.Verify.Harness.Run;
using Spectre.Console;

namespace Ddia.Verify.Harness.Terminal;

/// <summary>The closing table of a run: every checker's verdict, with its anomalies counted and its error.</summary>
public static class VerdictTable
{
    public static Table Of(RunOutcome outcome)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(outcome.Status)}[/], {outcome.Ops} ops, seed {outcome.Seed}");
        table.AddColumn("checker");
        table.AddColumn("verdict");
        table.AddColumn("anomalies");
        table.AddColumn("note");
        if (outcome.Result is { } result) AddRows(table, result, "");
        return table;
    }

    public static string Colour(Validity validity) => validity switch
    {
        Validity.Valid => "green",
        Validity.Invalid => "red",
        _ => "grey",
    };

    private static void AddRows(Table table, CheckResult result, string indent)
    {
        var note = result.Error ?? (result.Anomalies.IsDefaultOrEmpty ? "" : result.Anomalies[0].Explanation);
        if (note.Length > 160) note = note[..157] + "...";
        table.AddRow(
            Markup.Escape(indent + result.Checker),
            $"[{Colour(result.Validity)}]{result.Validity.Name()}[/]",
            result.Anomalies.IsDefault ? "0" : result.Anomalies.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Markup.Escape(note));
        foreach (var child in result.Children.Values) AddRows(table, child, indent + "  ");
    }
}
