using System.Globalization;
using System.Text;

namespace Ddia.Verify.Reports.Svg;

/// <summary>
/// Writes SVG markup for inline use in the page. Every attribute value and text goes through
/// <see cref="Escape"/>, so the markup is well-formed XML whatever a history holds.
/// </summary>
internal sealed class SvgWriter
{
    private readonly StringBuilder sb = new();

    /// <summary>&lt;tag a="v" …&gt;; attributes whose value is null are left out.</summary>
    public SvgWriter Open(string tag, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        Tag(tag, attributes);
        sb.Append('>');
        return this;
    }

    public SvgWriter Close(string tag)
    {
        sb.Append("</").Append(tag).Append(">\n");
        return this;
    }

    /// <summary>&lt;tag a="v" …/&gt;.</summary>
    public SvgWriter Empty(string tag, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        Tag(tag, attributes);
        sb.Append("/>\n");
        return this;
    }

    /// <summary>&lt;tag …&gt;text&lt;/tag&gt; with the text escaped.</summary>
    public SvgWriter Text(string tag, string text, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        Tag(tag, attributes);
        sb.Append('>').Append(Escape(text)).Append("</").Append(tag).Append(">\n");
        return this;
    }

    /// <summary>A tooltip: the first child of an element is its &lt;title&gt;.</summary>
    public SvgWriter Title(string text) => Text("title", text);

    public override string ToString() => sb.ToString();

    private void Tag(string tag, ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        sb.Append('<').Append(tag);
        foreach (var (name, value) in attributes)
        {
            if (value is null) continue;
            sb.Append(' ').Append(name).Append("=\"").Append(Escape(value)).Append('"');
        }
    }

    /// <summary>
    /// XML-escaped text. Control characters XML 1.0 forbids (a history can hold anything) become
    /// U+FFFD, so the SVG still parses.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '\t' or '\n' or '\r': sb.Append(c); break;
                case < ' ' or '\uFFFE' or '\uFFFF': sb.Append('\uFFFD'); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>A coordinate: invariant, at most two decimals.</summary>
    public static string N(double x) => Math.Round(x, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A part of an id: letters, digits and '-' only, so it cannot break out of url(#…).</summary>
    public static string IdPart(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_');
        return sb.ToString();
    }

    /// <summary>Text cut to <paramref name="max"/> characters with an ellipsis, for labels; tooltips carry the full text.</summary>
    public static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(1, max - 1)), "…");
}
