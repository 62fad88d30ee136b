using System.Globalization;
using System.Net;
using System.Text;

namespace Ddia.Verify.Reports;

/// <summary>
/// The few helpers the page writer needs. Every value that comes from a history, a result or the
/// harness goes through <see cref="Escape"/>: histories hold whatever clients and databases returned.
/// </summary>
internal static class Html
{
    /// <summary>The look every page shares (run report, campaign index, store list); each adds its own rules after it.</summary>
    public const string BaseStyle = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; padding: 0 1em; }
        h1 { margin-bottom: 0.2em; }
        h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; }
        th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; }
        """;

    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Escape(object? value) => Escape(value is null ? null : Convert.ToString(value, CultureInfo.InvariantCulture));

    /// <summary>An href for a relative link; null for anything with a scheme (javascript:, http:) or rooted.</summary>
    public static string? SafeHref(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        if (path.StartsWith('/') || path.StartsWith('\\')) return null;
        if (!Uri.TryCreate(path, UriKind.Relative, out _)) return null;
        // A colon before the first slash would read as a scheme in a browser.
        var colon = path.IndexOf(':', StringComparison.Ordinal);
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (colon >= 0 && (slash < 0 || colon < slash)) return null;
        var encoded = string.Join('/', path.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString));
        return Escape(encoded);
    }

    /// <summary>Appends one table row; each cell is escaped.</summary>
    public static StringBuilder Row(this StringBuilder sb, params string?[] cells)
    {
        sb.Append("<tr>");
        foreach (var c in cells) sb.Append("<td>").Append(Escape(c)).Append("</td>");
        return sb.Append("</tr>\n");
    }

    public static StringBuilder HeaderRow(this StringBuilder sb, params string[] cells)
    {
        sb.Append("<tr>");
        foreach (var c in cells) sb.Append("<th>").Append(Escape(c)).Append("</th>");
        return sb.Append("</tr>\n");
    }

    /// <summary>"42.1 s", "3 min 05 s", "1 h 02 min".</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        if (d.TotalHours < 1) return Invariant($"{(int)d.TotalMinutes} min {d.Seconds:00} s");
        return Invariant($"{(int)d.TotalHours} h {d.Minutes:00} min");
    }

    public static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
