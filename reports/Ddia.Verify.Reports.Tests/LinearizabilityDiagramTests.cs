using System.Text;
using System.Xml.Linq;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Svg;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Tests;

public sealed class LinearizabilityDiagramTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static LinearizabilityResult Check(HistoryList history, string model = "register") =>
        Assert.IsType<LinearizabilityResult>(new LinearizabilityChecker(ModelCatalog.Create(model)).Check(history, new CheckOptions()).Detail);

    private static (XElement Svg, PartitionResult Failure) Render(HistoryList history, string model = "register")
    {
        var result = Check(history, model);
        Assert.Equal(Validity.Invalid, result.Validity);
        var failure = Assert.Single(result.Failures);
        var svg = LinearizabilityDiagram.Render(failure, history, LinearizabilitySection.StepsShown);
        Assert.NotNull(svg);
        return (Svg.Parse(svg), failure);
    }

    private static List<XElement> Ops(XElement svg) => Svg.Groups(svg, "op");

    private static string Tip(XElement group) => group.Element(Svg.Ns + "title")!.Value;

    [Fact]
    public void Render_StaleRead_DrawsOneRowPerProcessAndHighlightsTheRead()
    {
        var history = Checkers.Testing.Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");

        var (svg, _) = Render(history);

        Assert.Equal("linearizability-diagram", svg.Attribute("class")?.Value);
        Assert.Equal("img", svg.Attribute("role")?.Value);
        Assert.Contains("cannot be linearized", svg.Attribute("aria-label")!.Value, StringComparison.Ordinal);
        Assert.NotNull(svg.Attribute("viewBox"));
        var rows = svg.Elements(Svg.Ns + "text").Select(t => t.Value).Where(t => t.StartsWith("process ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["process 0", "process 1", "process 2"], rows);
        Assert.Equal(["r 1", "w 1", "w 2"], Ops(svg).Select(g => g.Element(Svg.Ns + "text")!.Value).Order(StringComparer.Ordinal));

        var culprit = Assert.Single(Svg.Groups(svg, "op culprit"));
        Assert.Equal("r 1", culprit.Element(Svg.Ns + "text")!.Value);
        Assert.Equal("#c62828", culprit.Element(Svg.Ns + "rect")!.Attribute("stroke")!.Value);
        Assert.Contains(culprit.Elements(Svg.Ns + "text"), t => t.Value == "cannot be linearized");
        Assert.Contains(culprit.Elements(Svg.Ns + "text"), t => t.Value == "state was 2");
        Assert.Contains("the state was one of 2", Tip(culprit), StringComparison.Ordinal);

        // The writes are the prefix: numbered 1 and 2, with the state after each in the tooltip and under the point.
        var w2 = Ops(svg).Single(g => g.Element(Svg.Ns + "text")!.Value == "w 2");
        Assert.Contains("prefix 1, step 2: state after = 2", Tip(w2), StringComparison.Ordinal);
        var order = Assert.Single(Svg.Groups(svg, "linearization"));
        var numbers = order.Descendants(Svg.Ns + "text").Select(t => t.Value).ToList();
        Assert.Equal(["1", "→1", "2", "→2"], numbers);   // step number, then state after, per step
        Assert.Equal(2, order.Descendants(Svg.Ns + "circle").Count());
    }

    [Fact]
    public void Render_ArrangesBarsOnTheTimeAxis_AndLeavesANeverCompletedOpOpenToTheRight()
    {
        var history = Checkers.Testing.Ops.Parse("p0 w1 [0,10000000] | p1 w2 [20000000,30000000] | p3 w3:info [25000000,_] | p2 r1 [40000000,50000000]");

        var (svg, _) = Render(history);

        Assert.Contains(svg.Descendants(Svg.Ns + "text"), t => t.Value == "time (ms)");
        var bars = Ops(svg).ToDictionary(g => g.Element(Svg.Ns + "text")!.Value, g => g.Element(Svg.Ns + "rect")!);
        double X(string op) => double.Parse(bars[op].Attribute("x")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        double Right(string op) => X(op) + double.Parse(bars[op].Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(X("w 1") < X("w 2") && X("w 2") < X("w 3") && X("w 3") < X("r 1"));
        Assert.True(Right("w 1") < X("w 2"));
        Assert.Equal("5 3", bars["w 3"].Attribute("stroke-dasharray")?.Value);
        Assert.True(Right("w 3") > Right("r 1"));
        Assert.Contains("never completed", Tip(Ops(svg).Single(g => g.Element(Svg.Ns + "text")!.Value == "w 3")), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_CasRegister_LabelsCasAndLeavesOutOpsFarFromTheFailure()
    {
        var history = Checkers.Testing.Ops.Parse("p0 w1 [0,10] | p1 c1>2 [20,30] | p2 r1 [40,50] | p0 w7 [1000,1010] | p1 r7 [1020,1030]");

        var (svg, _) = Render(history, "cas-register");

        var labels = Ops(svg).Select(g => g.Element(Svg.Ns + "text")!.Value).ToList();
        Assert.Contains("cas 1→2", labels);
        Assert.DoesNotContain("w 7", labels);
        Assert.Contains(svg.Elements(Svg.Ns + "text"), t => t.Value.StartsWith("2 other ops of this key", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_BusyHistory_DrawsTheLastStepsTheCulpritAndOnlyTheNearestOthers()
    {
        // A linearizable history of 400 ops on 6 clients, with one read late in it changed to a value never written.
        var clean = HistoryGenerator.Generate(seed: 7, ops: 400, processes: 6, infoRate: 0.05);
        var corrupt = Enumerable.Range(0, clean.Count).First(p => p > clean.Count * 3 / 5 && clean[p] is { Type: OpType.Ok, F: "read" });
        var history = new HistoryList(clean.Select((op, p) => p == corrupt ? op with { Value = Value.Of(99) } : op));

        var result = Check(history, "cas-register");
        var failure = Assert.Single(result.Failures);
        var text = LinearizabilityDiagram.Render(failure, history, LinearizabilitySection.StepsShown)!;
        var svg = Svg.Parse(text);

        var culprit = Assert.Single(Svg.Groups(svg, "op culprit"));
        Assert.Equal(failure.Failure!.Op.Position, history.InvocationOf(corrupt));
        Assert.Equal("r 99", culprit.Element(Svg.Ns + "text")!.Value);
        var steps = failure.Failure.LongestPrefixes.SelectMany(p => p.Steps.TakeLast(LinearizabilitySection.StepsShown)).Select(s => s.Op.Position).Distinct().Count();
        Assert.InRange(Ops(svg).Count, steps + 1, steps + 1 + 40);
        Assert.Equal(Math.Min(16, failure.Failure.LongestPrefixes[0].Steps.Length), Svg.Groups(svg, "linearization").Single().Descendants(Svg.Ns + "circle").Count());
        Assert.Contains(svg.Elements(Svg.Ns + "text"), t => t.Value.EndsWith("are not drawn.", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(dir.Path, "busy.html"), "<!DOCTYPE html><meta charset=\"utf-8\"><body>" + text + "</body>");
    }

    [Fact]
    public void Render_WithoutTimes_UsesHistoryPositions()
    {
        var timed = Checkers.Testing.Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");
        var history = new HistoryList(timed.Select(op => op with { Time = -1 }));

        var (svg, _) = Render(history);

        Assert.Contains(svg.Descendants(Svg.Ns + "text"), t => t.Value == "history position");
        Assert.Single(Svg.Groups(svg, "op culprit"));
    }

    [Fact]
    public void Render_EscapesHostileKeysAndValues()
    {
        var history = Checkers.Testing.Ops.Parse("""p0 k"<k&'>":write("<v&>") [0,10] | p1 k"<k&'>":write("b") [20,30] | p2 k"<k&'>":read->"<v&>" [40,50]""");

        var result = Check(history);
        var text = LinearizabilityDiagram.Render(Assert.Single(result.Failures), history, LinearizabilitySection.StepsShown)!;

        Assert.DoesNotContain("<v&", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<k&", text, StringComparison.Ordinal);
        var svg = Svg.Parse(text);
        Assert.Contains("<k&'>", svg.Attribute("aria-label")!.Value, StringComparison.Ordinal);
        Assert.Contains("<v&>", Svg.Groups(svg, "op culprit").Single().Element(Svg.Ns + "text")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Section_DrawsTheDiagramAboveTheTables_OnlyWithAHistory()
    {
        var history = Checkers.Testing.Ops.Parse("p0 w1 [0,10] | p1 w2 [20,30] | p2 r1 [40,50]");
        var result = Check(history);

        var with = new StringBuilder();
        LinearizabilitySection.Write(with, result, history);
        var without = new StringBuilder();
        LinearizabilitySection.Write(without, result, null);

        var html = with.ToString();
        Assert.True(html.IndexOf("<svg", StringComparison.Ordinal) < html.IndexOf("The op that could not be linearized", StringComparison.Ordinal));
        Assert.Contains("Longest linearizable prefix 1", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", without.ToString(), StringComparison.Ordinal);
        Assert.Contains("The op that could not be linearized", without.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunReport_ShowsTheDiagramForEachFailingKey()
    {
        var history = Checkers.Testing.Ops.Parse("p0 k1:w1 [0,10] | p1 k1:w2 [20,30] | p2 k1:r1 [40,50] | p3 k2:w5 [0,10] | p4 k2:r6 [20,30] | p5 k3:w1 [0,5] | p5 k3:r1 [6,8]");
        var result = new LinearizabilityChecker(ModelCatalog.Create("register"), new LinearizabilityOptions { StopAtFirstFailure = false }).Check(history, new CheckOptions());

        var files = RunReport.Write(new ReportInput
        {
            TestName = "register", StartTime = DateTimeOffset.UnixEpoch, Seed = 1, Options = [], History = history, Result = result,
        }, dir.Path);
        var html = File.ReadAllText(files.Index);

        var svgs = Svg.All(html);
        Assert.Equal(2, svgs.Count);
        Assert.All(svgs, s => Assert.Single(Svg.Groups(Svg.Parse(s), "op culprit")));
    }
}
