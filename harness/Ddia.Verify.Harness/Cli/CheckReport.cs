using System.Globalization;
using System.Text;
using System.Text.Json;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Cli;

/// <summary>Renders a check for people (a short summary) or for programs (JSON).</summary>
public static class CheckReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Human(CheckOutcome o)
    {
        var r = o.Result;
        var f = o.File;
        var sb = new StringBuilder();
        var clientOps = f.History.Count(op => op.IsClient && op.IsInvoke);
        sb.AppendLine(Inv, $"history   {f.Path} ({HistoryReader.FormatName(f.Format)}, {f.History.Count} events, {clientOps} client ops)");
        var initial = o.InitialValue is null ? "" : $", initial value {o.InitialValue}";
        sb.AppendLine(Inv, $"model     {o.Model}{(o.ModelInferred ? " (inferred from the ops; choose with --model)" : "")}{initial}");
        var verdict = r.Validity switch
        {
            Validity.Valid => "VALID: linearizable",
            Validity.Invalid => "INVALID: not linearizable",
            _ => $"UNKNOWN: {r.UnknownReason}",
        };
        sb.AppendLine(Inv, $"verdict   {verdict}");
        var unknown = r.Partitions.Sum(p => p.UnknownOps);
        sb.AppendLine(Inv, $"checked   {Plural(r.Partitions.Length, "partition")}, {r.Ops} ops ({unknown} of unknown outcome), " +
                           $"{r.Partitions.Sum(p => p.Configurations)} configurations, {Ms(r.Elapsed)} (read {Ms(o.ReadTime)})");
        foreach (var p in r.Partitions.Where(p => p.Validity == Validity.Unknown && p.Note is not null))
            sb.AppendLine(Inv, $"          key {KeyText(p.Key)}: {p.Note}");
        foreach (var p in r.Failures)
            AppendFailure(sb, f, p);
        return sb.ToString();
    }

    private static void AppendFailure(StringBuilder sb, HistoryFile f, PartitionResult p)
    {
        var failure = p.Failure!;
        sb.AppendLine();
        var completed = failure.Op.CompletionPosition >= 0 ? $", completed at {f.Where(failure.Op.CompletionPosition)}" : "";
        sb.AppendLine(Inv, $"key {KeyText(p.Key)}: no linearization can complete {OpText(failure.Op)}");
        sb.AppendLine(Inv, $"  invoked at {f.Where(failure.Op.Position)}{completed}");
        sb.AppendLine(Inv, $"  states it would have to run in: {string.Join(", ", failure.CandidateStates)}");
        for (var i = 0; i < failure.LongestPrefixes.Length; i++)
        {
            var prefix = failure.LongestPrefixes[i];
            var omitted = prefix.Omitted > 0 ? $", after {prefix.Omitted} earlier ops" : "";
            sb.AppendLine(Inv, $"  longest linearizable prefix {i + 1} of {failure.LongestPrefixes.Length}{omitted}: from state {prefix.StartState}");
            foreach (var step in prefix.Steps)
                sb.AppendLine(Inv, $"    {OpText(step.Op),-52} -> {step.StateAfter,-12} ({f.Where(step.Op.Position)})");
        }
    }

    private static string OpText(HistoryRef op)
    {
        var inv = op.Invocation;
        var process = inv.Process.ToString(Inv);
        var key = inv.Key is null ? "" : $" key {inv.Key}";
        return op.Completion is { } c
            ? $"p{process} {inv.F}{key} {(c.Type == OpType.Ok && !c.Value.IsNil ? c.Value : inv.Value)} ({Op.TypeName(c.Type)}, index {c.Index})"
            : $"p{process} {inv.F}{key} {inv.Value} (no completion, index {inv.Index})";
    }

    private static string KeyText(Value? key) => key?.ToString() ?? "(all ops)";
    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "0.00" : "0", Inv) + " ms";
    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";

    public static string Json(CheckOutcome o)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            var r = o.Result;
            w.WriteStartObject();
            w.WriteString("file", o.File.Path);
            w.WriteString("format", HistoryReader.FormatName(o.File.Format));
            w.WriteString("model", o.Model);
            w.WriteBoolean("modelInferred", o.ModelInferred);
            w.WriteString("validity", r.Validity.Name());
            if (r.UnknownReason is not null) w.WriteString("unknownReason", r.UnknownReason);
            w.WriteNumber("ops", r.Ops);
            w.WriteNumber("checkMs", r.Elapsed.TotalMilliseconds);
            w.WriteNumber("readMs", o.ReadTime.TotalMilliseconds);
            w.WriteStartArray("warnings");
            foreach (var warning in o.File.Warnings) w.WriteStringValue(warning);
            w.WriteEndArray();
            w.WriteStartArray("partitions");
            foreach (var p in r.Partitions)
            {
                w.WriteStartObject();
                w.WritePropertyName("key");
                JsonlHistory.WriteValue(w, p.Key ?? Value.Nil);
                w.WriteString("validity", p.Validity.Name());
                w.WriteNumber("ops", p.Ops);
                w.WriteNumber("unknownOps", p.UnknownOps);
                w.WriteNumber("configurations", p.Configurations);
                if (p.Note is not null) w.WriteString("note", p.Note);
                if (p.Failure is { } failure)
                {
                    w.WriteStartObject("failure");
                    w.WritePropertyName("op");
                    WriteRef(w, o.File, failure.Op);
                    w.WriteStartArray("candidateStates");
                    foreach (var s in failure.CandidateStates) w.WriteStringValue(s);
                    w.WriteEndArray();
                    w.WriteStartArray("longestPrefixes");
                    foreach (var prefix in failure.LongestPrefixes)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("omitted", prefix.Omitted);
                        w.WriteString("startState", prefix.StartState);
                        w.WriteStartArray("steps");
                        foreach (var step in prefix.Steps)
                        {
                            w.WriteStartObject();
                            w.WritePropertyName("op");
                            WriteRef(w, o.File, step.Op);
                            w.WriteString("stateAfter", step.StateAfter);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                        w.WriteString("finalState", prefix.FinalState);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteRef(Utf8JsonWriter w, HistoryFile f, HistoryRef op)
    {
        w.WriteStartObject();
        w.WriteNumber("position", op.Position);
        w.WriteString("where", f.Where(op.Position));
        w.WritePropertyName("invocation");
        JsonlHistory.WriteOp(w, op.Invocation);
        if (op.Completion is { } c)
        {
            w.WritePropertyName("completion");
            JsonlHistory.WriteOp(w, c);
        }
        w.WriteEndObject();
    }
}
