using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Plots;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Timeline;

/// <summary>
/// The facts the timeline page draws, extracted from a history once: client ops as columns of
/// numbers (one entry per invocation, ordered by invoke time), nemesis ops, fault windows and counts.
/// Times are whole multiples of <see cref="Unit"/>: microseconds for a real run (short in JSON, finer than
/// anything the page shows), nanoseconds for a run under a second (hand-written histories), and history
/// positions when no op has a time.
/// </summary>
internal sealed class TimelineData
{
    /// <summary>Values longer than this are cut: the page shows a summary, history.jsonl the rest.</summary>
    public const int MaxText = 80;

    public const int Ok = 0, Fail = 1, Info = 2, Open = 3, Note = 4;

    private readonly List<ClientOp> ops = [];
    private readonly List<NemesisOp> nemesis = [];
    private readonly List<int> processes = [];
    private readonly Interner fs = new();
    private readonly Interner keys = new();

    public IReadOnlyList<ClientOp> Ops => ops;
    public IReadOnlyList<NemesisOp> Nemesis => nemesis;
    /// <summary>Client process ids in column order.</summary>
    public IReadOnlyList<int> Processes => processes;
    public IReadOnlyList<FaultWindow> Faults { get; private set; } = [];
    public IReadOnlyList<string> Fs => fs.Items;
    public IReadOnlyList<string> Keys => keys.Items;

    /// <summary>Nanoseconds per unit of the times below; for <see cref="ByPosition"/>, 1 ms per position.</summary>
    public long Unit { get; private set; } = 1000;

    /// <summary>The last time of the history (in units): where never-completed ops and unstopped faults end.</summary>
    public long End { get; private set; }

    /// <summary>True when no op had a time: positions stand in for times (1 position = 1 ms).</summary>
    public bool ByPosition { get; private set; }

    /// <summary>Client invocations that could not be placed because their time is unknown.</summary>
    public int Untimed { get; private set; }

    private readonly int[] outcomes = new int[4];

    /// <summary>How many client ops had the outcome (<see cref="Ok"/>, <see cref="Fail"/>, <see cref="Info"/> or <see cref="Open"/>).</summary>
    public int CountOf(int outcome) => outcomes[outcome];

    public static TimelineData From(HistoryList history, IReadOnlyList<FaultWindow> faults)
    {
        var data = new TimelineData();
        data.Build(history, faults);
        return data;
    }

    private void Build(HistoryList history, IReadOnlyList<FaultWindow> faults)
    {
        var lastNs = -1L;
        for (var i = 0; i < history.Count; i++) lastNs = Math.Max(lastNs, history[i].Time);
        ByPosition = lastNs < 0;
        Unit = ByPosition ? 1_000_000 : lastNs < 1_000_000_000 ? 1 : 1000;
        long TimeAt(int position) => ByPosition ? position : ToUnits(history[position].Time);

        var end = 0L;
        for (var i = 0; i < history.Count; i++) end = Math.Max(end, TimeAt(i));
        End = end;

        var text = new StringBuilder();
        var columns = new SortedSet<int>();
        var openNemesis = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (op.Process == Op.NemesisProcess)
            {
                AddNemesis(history, i, TimeAt(i), openNemesis, text);
                continue;
            }
            if (!op.IsClient || !op.IsInvoke) continue;
            var start = TimeAt(i);
            if (start < 0)
            {
                Untimed++;
                continue;
            }
            var c = history.CompletionOf(i);
            var outcome = c < 0 ? Open : OutcomeCode(history[c].Type);
            // A completion without a time is drawn as an instant at its invocation.
            var done = c < 0 ? end : Math.Max(start, TimeAt(c));
            var invoked = Short(op.Value, text);
            var completed = c < 0 ? null : Short(history[c].Value, text);
            var error = c >= 0 && history[c].Error is { } e ? Short(e, text) : null;
            ops.Add(new ClientOp(op.Index, c < 0 ? -1 : history[c].Index, op.Process, fs.Id(op.F),
                op.Key is null ? -1 : keys.Id(Short(op.Key, text)), start, done - start, outcome,
                invoked, completed == invoked ? null : completed, error));
            columns.Add(op.Process);
            outcomes[outcome]++;
        }
        processes.AddRange(columns);
        // History order is real-time order, so this is nearly sorted already; stable for equal times.
        var sorted = ops.OrderBy(o => o.Start).ToList();
        ops.Clear();
        ops.AddRange(sorted);

        Faults = ByPosition ? [] : [.. faults.Where(w => w.Start >= 0)];
    }

    /// <summary>
    /// Nemesis ops pair by f (an invoke with the next completion of the same f), as the nemesis does
    /// one thing at a time; a completion with no invoke before it is a note, drawn as an instant.
    /// </summary>
    private void AddNemesis(HistoryList history, int position, long time, Dictionary<string, int> open, StringBuilder text)
    {
        var op = history[position];
        if (time < 0) return;
        if (op.IsInvoke)
        {
            open[op.F] = nemesis.Count;
            nemesis.Add(new NemesisOp(op.Index, -1, fs.Id(op.F), time, End - time, Open, Short(op.Value, text), null, FaultHex(op.F)));
            return;
        }
        var value = Short(op.Value, text);
        if (open.Remove(op.F, out var at))
        {
            var n = nemesis[at];
            nemesis[at] = n with
            {
                CompletionIndex = op.Index,
                Duration = Math.Max(0, time - n.Start),
                Outcome = OutcomeCode(op.Type),
                Completed = value == n.Invoked ? null : value,
            };
            return;
        }
        nemesis.Add(new NemesisOp(op.Index, -1, fs.Id(op.F), time, 0, Note, value, null, FaultHex(op.F)));
    }

    private static string FaultHex(string f) =>
        f == FaultWindows.HealAll ? "#555555" : FaultWindows.Classify(f) is { } c ? Palette.FaultHex(c.Kind) : "#888888";

    private static int OutcomeCode(OpType type) => type switch
    {
        OpType.Ok => Ok,
        OpType.Fail => Fail,
        _ => Info,
    };

    private long ToUnits(long ns) => ns < 0 ? -1 : ns / Unit;

    /// <summary>EDN text of a value, cut to <see cref="MaxText"/> characters (never inside a surrogate pair).</summary>
    private static string Short(Value value, StringBuilder text)
    {
        text.Clear();
        value.WriteEdn(text);
        return Cut(text);
    }

    internal static string Cut(StringBuilder text)
    {
        if (text.Length <= MaxText) return text.ToString();
        var n = MaxText - 1;
        if (char.IsHighSurrogate(text[n - 1])) n--;
        return text.ToString(0, n) + "…";
    }

    /// <summary>
    /// The JSON of the data island. Everything HTML could read as markup (&lt;, &gt;, &amp;, quotes) and every
    /// '/' inside strings is written as a \u escape, so no value can close the script element, open a
    /// comment, or even spell a URL in the page.
    /// </summary>
    public void WriteJson(Stream stream, string title)
    {
        var settings = new TextEncoderSettings(UnicodeRanges.All);
        settings.ForbidCharacter('/');
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.Create(settings) });
        json.WriteStartObject();
        json.WriteNumber("version", 1);
        json.WriteString("title", title);
        json.WriteNumber("end", End);
        json.WriteNumber("unit", Unit);
        json.WriteBoolean("byPosition", ByPosition);
        json.WriteStartObject("counts");
        json.WriteNumber("ops", ops.Count);
        json.WriteNumber("ok", CountOf(Ok));
        json.WriteNumber("fail", CountOf(Fail));
        json.WriteNumber("info", CountOf(Info));
        json.WriteNumber("open", CountOf(Open));
        json.WriteNumber("nemesis", nemesis.Count);
        json.WriteNumber("untimed", Untimed);
        json.WriteEndObject();
        Strings(json, "procs", processes.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Strings(json, "fs", fs.Items);
        Strings(json, "keys", keys.Items);

        // Client ops, one array per field; the page turns them into typed arrays.
        var column = new Dictionary<int, int>();
        for (var i = 0; i < processes.Count; i++) column[processes[i]] = i;
        json.WriteStartObject("client");
        Numbers(json, "index", ops, o => o.Index);
        Numbers(json, "cindex", ops, o => o.CompletionIndex);
        Numbers(json, "col", ops, o => column[o.Process]);
        Numbers(json, "f", ops, o => o.F);
        Numbers(json, "key", ops, o => o.Key);
        Numbers(json, "start", ops, o => o.Start);
        Numbers(json, "dur", ops, o => o.Duration);
        Numbers(json, "outcome", ops, o => o.Outcome);
        Strings(json, "value", ops.Select(o => o.Invoked));
        // Completion values only where they differ from the invocation's (reads, cas results): null elsewhere.
        json.WriteStartArray("cvalue");
        foreach (var o in ops)
        {
            if (o.Completed is null) json.WriteNullValue();
            else json.WriteStringValue(o.Completed);
        }
        json.WriteEndArray();
        // Errors are rare: [op number, text] pairs.
        json.WriteStartArray("errors");
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i].Error is not { } error) continue;
            json.WriteStartArray();
            json.WriteNumberValue(i);
            json.WriteStringValue(error);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("nemesis");
        foreach (var n in nemesis)
        {
            json.WriteStartArray();
            json.WriteNumberValue(n.Index);
            json.WriteNumberValue(n.CompletionIndex);
            json.WriteNumberValue(n.F);
            json.WriteNumberValue(n.Start);
            json.WriteNumberValue(n.Duration);
            json.WriteNumberValue(n.Outcome);
            json.WriteStringValue(n.Invoked);
            if (n.Completed is null) json.WriteNullValue();
            else json.WriteStringValue(n.Completed);
            json.WriteStringValue(n.Color);
            json.WriteEndArray();
        }
        json.WriteEndArray();

        json.WriteStartArray("faults");
        foreach (var w in Faults)
        {
            json.WriteStartObject();
            json.WriteString("kind", w.Kind);
            json.WriteNumber("start", ToUnits(w.Start));
            json.WriteNumber("end", w.End is { } stop ? Math.Max(ToUnits(w.Start), ToUnits(stop)) : End);
            json.WriteBoolean("open", w.IsOpenEnded);
            json.WriteString("color", Palette.FaultHex(w.Kind));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
    }

    private static void Numbers(Utf8JsonWriter json, string name, List<ClientOp> ops, Func<ClientOp, long> field)
    {
        json.WriteStartArray(name);
        foreach (var o in ops) json.WriteNumberValue(field(o));
        json.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> items)
    {
        json.WriteStartArray(name);
        foreach (var s in items) json.WriteStringValue(s);
        json.WriteEndArray();
    }

    /// <summary>Gives each distinct string a small number, in order of first use.</summary>
    private sealed class Interner
    {
        private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
        public List<string> Items { get; } = [];

        public int Id(string s)
        {
            if (ids.TryGetValue(s, out var id)) return id;
            ids[s] = Items.Count;
            Items.Add(s);
            return Items.Count - 1;
        }
    }
}

/// <summary>A client invocation with its completion (or none: <see cref="TimelineData.Open"/>). Times in units.</summary>
internal sealed record ClientOp(long Index, long CompletionIndex, int Process, int F, int Key, long Start, long Duration, int Outcome,
    string Invoked, string? Completed, string? Error);

/// <summary>A nemesis op: an invoke with its completion, or a lone completion (a note). Times in units.</summary>
internal sealed record NemesisOp(long Index, long CompletionIndex, int F, long Start, long Duration, int Outcome,
    string Invoked, string? Completed, string Color);
