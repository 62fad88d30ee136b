using System.Globalization;
using System.Text;
using Ddia.Verify.Reports.Plots;
using static Ddia.Verify.Reports.Html;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Timeline;

/// <summary>
/// Writes <c>timeline.html</c>: Jepsen's timeline (one column per client process plus the nemesis,
/// time running downward, one box per op coloured by outcome) as one self-contained page. The ops
/// are embedded as a JSON island and drawn on a canvas the size of the window, so only the ops in
/// view are drawn: a run of 100,000 ops scrolls as easily as one of 100.
/// </summary>
public static class TimelinePage
{
    public const string FileName = "timeline.html";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes a self-contained HTML page (inline CSS and script, data embedded, nothing fetched) to
    /// <paramref name="path"/>. Streams its output: the data goes straight from the history to the file.
    /// </summary>
    public static void Write(HistoryList history, IReadOnlyList<FaultWindow> faults, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(faults);
        var data = TimelineData.From(history, faults);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using (var head = new StreamWriter(file, Utf8, 1 << 14, leaveOpen: true))
        {
            head.Write(Head(data, title));
            head.Write("<script type=\"application/json\" id=\"timeline-data\">");
        }
        data.WriteJson(file, title);
        using var tail = new StreamWriter(file, Utf8, 1 << 14, leaveOpen: true);
        tail.Write("</script>\n<script>\n");
        tail.Write(Resource("timeline.js"));
        tail.Write("</script>\n</body>\n</html>\n");
    }

    private static string Head(TimelineData data, string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<link rel=\"icon\" href=\"data:,\">\n")   // no favicon request
          .Append("<title>").Append(Escape(title)).Append(" — timeline</title>\n<style>\n")
          .Append(Resource("timeline.css")).Append("</style>\n</head>\n<body>\n");

        sb.Append("<header id=\"timeline-header\">\n<div class=\"title-row\"><a href=\"index.html\" id=\"back\">← report</a> <h1>")
          .Append(Escape(title)).Append("</h1> <span class=\"sub\">timeline</span></div>\n");

        sb.Append("<div class=\"counts\" id=\"timeline-counts\">")
          .Append(Count(data.Ops.Count, "client ops")).Append(": ")
          .Append(Count(data.CountOf(TimelineData.Ok), "ok")).Append(", ")
          .Append(Count(data.CountOf(TimelineData.Fail), "fail")).Append(", ")
          .Append(Count(data.CountOf(TimelineData.Info), "info")).Append(", ")
          .Append(Count(data.CountOf(TimelineData.Open), "never completed")).Append(" · ")
          .Append(Count(data.Processes.Count, "processes")).Append(" · ")
          .Append(Count(data.Nemesis.Count, "nemesis ops")).Append(" · ")
          .Append(Count(data.Faults.Count, "fault windows")).Append(" · ")
          .Append(data.ByPosition ? "no op has a time: history positions are shown instead (1 position = 1 ms)"
              : Invariant($"{data.End * data.Unit / 1e9:0.###} s"));
        if (data.Untimed > 0) sb.Append(" · ").Append(Count(data.Untimed, "ops without a time (not shown)"));
        sb.Append("</div>\n");

        sb.Append("<div class=\"controls\">")
          .Append("<button type=\"button\" id=\"zoom-in\" title=\"Zoom in (ctrl + wheel)\">+</button>")
          .Append("<button type=\"button\" id=\"zoom-out\" title=\"Zoom out (ctrl + wheel)\">−</button>")
          .Append("<button type=\"button\" id=\"zoom-fit\" title=\"The whole history in the window\">fit</button>")
          .Append("<button type=\"button\" id=\"zoom-reset\" title=\"Typical ops a few lines tall\">1:1</button>")
          .Append("<span id=\"zoom-level\"></span>")
          .Append("<label class=\"fold\" title=\"A worker continues under a new process after an info: processes that never overlap share a column\">")
          .Append("<input type=\"checkbox\" id=\"fold-workers\" checked> one column per worker</label>")
          .Append("<span class=\"legend\" id=\"timeline-legend\">")
          .Append(Swatch(Palette.OkHex, "ok")).Append(Swatch(Palette.FailHex, "fail")).Append(Swatch(Palette.InfoHex, "info"))
          .Append("<span class=\"item\"><span class=\"swatch open\"></span>never completed</span>");
        foreach (var kind in data.Faults.Select(f => f.Kind).Distinct(StringComparer.Ordinal))
        {
            sb.Append("<span class=\"item\"><span class=\"swatch fault\" style=\"background:").Append(Palette.FaultHex(kind))
              .Append("\"></span>").Append(Escape(kind)).Append("</span>");
        }
        sb.Append("</span>")
          .Append("<span id=\"timeline-selected\" class=\"selected\"></span>")
          .Append("</div>\n</header>\n");

        sb.Append("<div id=\"timeline-scroll\"><div id=\"timeline-spacer\"></div></div>\n")
          .Append("<canvas id=\"timeline-canvas\"></canvas>\n")
          .Append("<div id=\"timeline-tooltip\" hidden></div>\n")
          .Append("<noscript><p>The timeline is drawn by a script: enable JavaScript to see it.</p></noscript>\n");
        return sb.ToString();
    }

    private static string Count(int n, string what) => n.ToString("N0", CultureInfo.InvariantCulture) + " " + what;

    private static string Swatch(string hex, string label) =>
        "<span class=\"item\"><span class=\"swatch\" style=\"background:" + hex + "\"></span>" + Escape(label) + "</span>";

    private static readonly Dictionary<string, string> Resources = new(StringComparer.Ordinal);

    /// <summary>The page's script and style, embedded in this assembly (Timeline/*.js, *.css).</summary>
    private static string Resource(string name)
    {
        lock (Resources)
        {
            if (Resources.TryGetValue(name, out var text)) return text;
            var resourceName = "Ddia.Verify.Reports.Timeline." + name;
            using var stream = typeof(TimelinePage).Assembly.GetManifestResourceStream(resourceName)
                ?? throw new InvalidOperationException($"resource {resourceName} is missing from the assembly");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
            Resources[name] = text;
            return text;
        }
    }
}
