using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Svg;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Tests;

public sealed class CycleDiagramTests
{
    internal static (TxnCheckResult Result, HistoryList History) Check(string text, params string[] models) => Check(Txns.Parse(text), models);

    internal static (TxnCheckResult Result, HistoryList History) Check(HistoryList history, params string[] models)
    {
        var result = new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = models.Length == 0 ? ["strict-serializable"] : models })
            .Analyze(history);
        return (result, history);
    }

    // Write skew: each doctor reads both keys empty and appends to one.
    internal const string WriteSkew = "p0 rx[] ry[] ax1 [0,10] | p1 rx[] ry[] ay1 [0,10]";

    [Fact]
    public void Render_WriteSkew_DrawsTwoTransactionsAndTwoCurvedRwEdgesThatDoNotOverlap()
    {
        var (r, history) = Check(WriteSkew, "serializable");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G2-item", cycle.Kind);

        var svg = Svg.Parse(CycleDiagram.Render(cycle, history, "G2-item-1"));

        Assert.Equal("cycle-diagram", svg.Attribute("class")?.Value);
        Assert.Equal("img", svg.Attribute("role")?.Value);
        Assert.StartsWith("G2-item cycle: T1 rw → T2 rw → T1", svg.Attribute("aria-label")?.Value, StringComparison.Ordinal);
        Assert.Matches(@"^0 0 \d+(\.\d+)? \d+(\.\d+)?$", svg.Attribute("viewBox")?.Value);
        Assert.Equal(["T1", "T2"], Svg.Texts(svg, "txn"));
        var edges = Svg.Groups(svg, "edge rw");
        Assert.Equal(2, edges.Count);
        Assert.Equal(["rw x", "rw y"], edges.Select(e => e.Element(Svg.Ns + "text")!.Value).Order(StringComparer.Ordinal));
        // Both directions between one pair: two different curves, each ending in the rw arrowhead defined once.
        var paths = edges.Select(e => e.Element(Svg.Ns + "path")!).ToList();
        Assert.All(paths, p => Assert.Contains(" Q", p.Attribute("d")!.Value, StringComparison.Ordinal));
        Assert.NotEqual(Control(paths[0]), Control(paths[1]));
        var marker = Assert.Single(svg.Descendants(Svg.Ns + "marker"));
        Assert.All(paths, p => Assert.Equal($"url(#{marker.Attribute("id")!.Value})", p.Attribute("marker-end")!.Value));
        Assert.EndsWith("-G2-item-1", marker.Attribute("id")!.Value, StringComparison.Ordinal);
        Assert.Equal(CycleDiagram.ColourOf(Rel.RW), paths[0].Attribute("stroke")!.Value);
        // The legend names the one relation used.
        Assert.Equal(["rw"], Svg.Texts(svg, "legend"));
    }

    private static string Control(XElement path) => Regex.Match(path.Attribute("d")!.Value, @"Q(\S+)").Groups[1].Value;

    [Fact]
    public void Render_G1c_LabelsBothWrEdgesAndTooltipsTheTransactionsOps()
    {
        var (r, history) = Check("p0 ax1 ry[1] [0,10] | p1 ay1 rx[1] [0,10]");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G1c", cycle.Kind);

        var svg = Svg.Parse(CycleDiagram.Render(cycle, history, "G1c-1"));

        var edges = Svg.Groups(svg, "edge wr");
        Assert.Equal(["wr x", "wr y"], edges.Select(e => e.Element(Svg.Ns + "text")!.Value).Order(StringComparer.Ordinal));
        Assert.Contains(edges, e => e.Element(Svg.Ns + "title")!.Value.Contains("read", StringComparison.Ordinal));
        var tips = Svg.Groups(svg, "txn").Select(g => g.Element(Svg.Ns + "title")!.Value).ToList();
        Assert.Equal(2, tips.Count);
        Assert.All(tips, t => Assert.Contains("append", t, StringComparison.Ordinal));
        Assert.Contains(tips, t => t.Contains("process 0", StringComparison.Ordinal));
        Assert.Contains(tips, t => t.Contains("process 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_FourTransactions_NamesThemAsTheExplanationDoes()
    {
        var (r, history) = Check("p0 rx[] rw[1] [0,100] | p1 ax1 ay1 [0,100] | p2 ry[1] rz[] [0,100] | p3 az1 aw1 [0,100]", "snapshot-isolation");
        var cycle = Assert.Single(r.Cycles);

        var svg = Svg.Parse(CycleDiagram.Render(cycle, history, "x"));

        Assert.Equal(["T1", "T2", "T3", "T4"], Svg.Texts(svg, "txn"));
        // "T2 = {index 3, ok, process 1, …}" in the text names the same transaction as node T2's tooltip.
        foreach (var node in Svg.Groups(svg, "txn"))
        {
            var name = node.Element(Svg.Ns + "text")!.Value;
            var index = Regex.Match(node.Element(Svg.Ns + "title")!.Value, @"^T\d+ = \{index (\d+),").Groups[1].Value;
            Assert.Matches(new Regex($@"(?m)^  {name} = \{{index {index},"), cycle.Explanation);
        }
        Assert.Equal(4, Svg.Groups(svg, "edge").Count);
        Assert.Equal(2, Svg.Groups(svg, "edge rw").Count);
        Assert.Equal(2, Svg.Groups(svg, "edge wr").Count);
        Assert.Equal(["wr", "rw"], Svg.Texts(svg, "legend"));
    }

    [Fact]
    public void Render_ProcessOrderCycle_LabelsTheProcessEdge()
    {
        var (r, history) = Check("p0 ax1 [0,10] | p0 ax2 [20,30] | p1 rx[2,1] [40,50]");
        var cycle = Assert.Single(r.Cycles);
        Assert.Equal("G0-process", cycle.Kind);

        var svg = Svg.Parse(CycleDiagram.Render(cycle, history, "p"));

        var process = Assert.Single(Svg.Groups(svg, "edge process"));
        Assert.Equal("process", process.Element(Svg.Ns + "text")!.Value);
        Assert.Contains("process 0 ran", process.Element(Svg.Ns + "title")!.Value, StringComparison.Ordinal);
        Assert.Single(Svg.Groups(svg, "edge ww"));
        Assert.Equal(2, svg.Descendants(Svg.Ns + "marker").Count());
    }

    [Fact]
    public void Render_EscapesHostileKeysAndSuffixes()
    {
        const string hostile = "<x&'\">\u0001";
        var (r, history) = Check(Rename(Txns.Parse(WriteSkew), "x", hostile), "serializable");
        var cycle = Assert.Single(r.Cycles);

        var text = CycleDiagram.Render(cycle, history, "\"><script>");

        Assert.DoesNotContain("<x&", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", text, StringComparison.Ordinal);
        var svg = Svg.Parse(text);
        var edge = Svg.Groups(svg, "edge rw").Single(e => e.Element(Svg.Ns + "text")!.Value.StartsWith("rw <x&'\"", StringComparison.Ordinal));
        Assert.Contains("rw on key \"<x&'", edge.Element(Svg.Ns + "title")!.Value, StringComparison.Ordinal);
        Assert.Matches("^[A-Za-z0-9_-]+$", svg.Descendants(Svg.Ns + "marker").Single().Attribute("id")!.Value);
    }

    /// <summary>The same history with one list-append key renamed (Txns.Parse only knows one-letter keys).</summary>
    internal static HistoryList Rename(HistoryList history, string from, string to) =>
        new(history.Select(op => op with
        {
            Value = Value.List(op.Value.Items.Select(m => m.Items is [var f, var k, var v] && k == Value.Of(from) ? Value.List(f, Value.Of(to), v) : m).ToArray()),
        }));
}

/// <summary>Reads inline SVG as XML, as a browser would from the page.</summary>
internal static class Svg
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    public static XElement Parse(string svg) => XDocument.Parse(svg).Root!;

    /// <summary>Every &lt;svg&gt;…&lt;/svg&gt; of a page.</summary>
    public static IReadOnlyList<string> All(string html) => [.. Regex.Matches(html, "<svg[\\s\\S]*?</svg>").Select(m => m.Value)];

    /// <summary>The &lt;g&gt; elements with this exact class.</summary>
    public static List<XElement> Groups(XElement svg, string cls) =>
        [.. svg.Descendants(Ns + "g").Where(g => g.Attribute("class")?.Value == cls || (g.Attribute("class")?.Value.StartsWith(cls + " ", StringComparison.Ordinal) ?? false))];

    /// <summary>The text of the first &lt;text&gt; of each such group, in document order.</summary>
    public static List<string> Texts(XElement svg, string cls) => [.. Groups(svg, cls).Select(g => g.Element(Ns + "text")!.Value)];
}
