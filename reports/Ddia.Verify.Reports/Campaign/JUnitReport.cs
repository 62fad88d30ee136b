using System.Globalization;
using System.Text;
using System.Xml;

namespace Ddia.Verify.Reports.Campaign;

/// <summary>
/// A campaign as JUnit XML, the format CI systems read: one test suite, one test case per run. A run that did not
/// get what it expected is a failure; a run that did not finish (crashed, interrupted) is an error, whatever its
/// verdict.
/// </summary>
internal static class JUnitReport
{
    public const string SuiteName = "ddia-verify campaign";

    public static byte[] Render(DateTimeOffset started, IReadOnlyList<CampaignEntry> entries)
    {
        var errors = entries.Count(IsError);
        var failures = entries.Count(e => !IsError(e) && e.Mismatch is not null);
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("testsuite");
            xml.WriteAttributeString("name", SuiteName);
            xml.WriteAttributeString("tests", Number(entries.Count));
            xml.WriteAttributeString("failures", Number(failures));
            xml.WriteAttributeString("errors", Number(errors));
            xml.WriteAttributeString("skipped", "0");
            xml.WriteAttributeString("time", Seconds(TimeSpan.FromTicks(entries.Sum(e => e.Duration.Ticks))));
            // JUnit's schema wants the timestamp without a zone: it is UTC.
            xml.WriteAttributeString("timestamp", started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            foreach (var e in entries)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("classname", Text(e.System));
                xml.WriteAttributeString("name", Text(e.Run));
                xml.WriteAttributeString("time", Seconds(e.Duration));
                var details = Text($"expected: {e.Expected}\ngot: {e.Got}\nstatus: {e.Status}");
                if (IsError(e))
                {
                    xml.WriteStartElement("error");
                    xml.WriteAttributeString("message", Text(e.Mismatch ?? $"the run {e.Status}"));
                    xml.WriteAttributeString("type", Text(e.Status));
                    xml.WriteString(details);
                    xml.WriteEndElement();
                }
                else if (e.Mismatch is not null)
                {
                    xml.WriteStartElement("failure");
                    xml.WriteAttributeString("message", Text(e.Mismatch));
                    xml.WriteAttributeString("type", "not as expected");
                    xml.WriteString(details);
                    xml.WriteEndElement();
                }
                xml.WriteElementString("system-out", Text(e.ReportLink is null ? $"{details}\nno report" : $"{details}\nreport: {e.ReportLink}"));
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    private static bool IsError(CampaignEntry e) => !string.Equals(e.Status, "ok", StringComparison.Ordinal);

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan d) => Math.Max(0, d.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The text with every character XML 1.0 cannot hold (NUL, most control characters, lone surrogates)
    /// replaced by U+FFFD: a run name or a database's error message can hold anything.</summary>
    internal static string Text(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c))
            {
                sb.Append(c).Append(text[++i]);
            }
            else sb.Append(XmlConvert.IsXmlChar(c) ? c : '\uFFFD');
        }
        return sb.ToString();
    }
}
