using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Svg;
using static Ddia.Verify.Reports.Html;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports;

/// <summary>
/// What a linearizability failure shows beyond its anomaly text: a diagram of the ops around it on a
/// time axis (when the history is at hand), the op that could not be linearized, the end of each longest
/// linearizable prefix with the state after every step, and the states the op would have had to run in.
/// </summary>
internal static class LinearizabilitySection
{
    // The search keeps up to 64 steps; the last few are where the contradiction is.
    internal const int StepsShown = 16;

    public static void Write(StringBuilder sb, LinearizabilityResult result, HistoryList? history)
    {
        foreach (var p in result.Failures)
        {
            if (p.Failure is not { } f) continue;
            sb.Append("<div class=\"anomaly linearizability\">\n<p><b>Not linearizable")
              .Append(p.Key is null ? "" : " (key " + Escape(p.Key.ToString()) + ")").Append("</b>, model ")
              .Append(Escape(result.Model)).Append(": ").Append(Escape(Count(p.Ops))).Append(" ops, ")
              .Append(Escape(Count(p.Configurations))).Append(" configurations searched.</p>\n");

            if (history is not null && LinearizabilityDiagram.Render(p, history, StepsShown) is { } diagram)
                sb.Append("<figure class=\"linearizability-view\" style=\"margin:0.5em 0;overflow-x:auto\">\n").Append(diagram)
                  .Append("<figcaption class=\"note\">The ops of this key around the failure, one row per process, from invocation to completion. ")
                  .Append("Numbers give the order of the first longest linearizable prefix, each at the earliest time that order allows, with the model's state after it; ")
                  .Append("the dashed red line is the completion no linearization reaches. Hover over an op for its details.</figcaption>\n</figure>\n");

            sb.Append("<p>The op that could not be linearized:</p>\n");
            ReportPage.OpTable(sb, Rows(f.Op), highlight: f.Op.Position);

            sb.Append("<p>When it had to take effect, the state ").Append(f.CandidateStates.Count() == 1 ? "was" : "could only be one of").Append(":</p>\n<ul class=\"states\">\n");
            foreach (var s in f.CandidateStates) sb.Append("<li><code>").Append(Escape(s)).Append("</code></li>\n");
            sb.Append("</ul>\n");

            for (var i = 0; i < f.LongestPrefixes.Length; i++) Prefix(sb, f.LongestPrefixes[i], i + 1);
            sb.Append("</div>\n");
        }
    }

    private static void Prefix(StringBuilder sb, PartialLinearization prefix, int number)
    {
        var shown = prefix.Steps.Skip(Math.Max(0, prefix.Steps.Length - StepsShown)).ToArray();
        var skipped = prefix.Omitted + prefix.Steps.Length - shown.Length;
        sb.Append("<p>Longest linearizable prefix ").Append(number.ToString(CultureInfo.InvariantCulture)).Append(": ");
        if (skipped > 0) sb.Append(Escape(Count(skipped))).Append(" earlier ops, then ");
        sb.Append("the last ").Append(Escape(Count(shown.Length))).Append(" steps, ending in state <code>")
          .Append(Escape(prefix.FinalState)).Append("</code>.</p>\n");
        sb.Append("<table class=\"prefix\">\n").HeaderRow("step", "invocation", "completion", "state after");
        var startState = skipped == prefix.Omitted ? prefix.StartState : null;
        if (startState is not null) sb.Row("", "(start)", "", startState);
        for (var i = 0; i < shown.Length; i++)
        {
            var step = shown[i];
            var c = step.Op.Completion is { } done ? $"{Op.TypeName(done.Type)} {done.Value}" : "(no completion)";
            sb.Row(Count(skipped + i + 1), Describe(step.Op.Invocation), c, step.StateAfter);
        }
        sb.Append("</table>\n");
    }

    private static IEnumerable<(int, Op?)> Rows(HistoryRef op)
    {
        yield return (op.Position, op.Invocation);
        if (op.Completion is { } c) yield return (op.CompletionPosition, c);
    }

    private static string Describe(Op op) =>
        Invariant($"#{op.Index} p{ReportPage.ProcessName(op.Process)} {op.F}{(op.Key is null ? "" : " " + op.Key)} {op.Value}");

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
}
