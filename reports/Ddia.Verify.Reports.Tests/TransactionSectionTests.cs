using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.Checkers.Transactions;
using static Ddia.Verify.Reports.Tests.CycleDiagramTests;

namespace Ddia.Verify.Reports.Tests;

public sealed class TransactionSectionTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static string Write(TxnCheckResult result, Ddia.Verify.History.History? history)
    {
        var sb = new StringBuilder();
        TransactionSection.Write(sb, result, history);
        return sb.ToString();
    }

    [Fact]
    public void Write_WriteSkew_ShowsVerdictsRuledOutModelsAndTheCycleBesideItsExplanation()
    {
        var (r, history) = Check(WriteSkew, "serializable", "snapshot-isolation");

        var html = Write(r, history);

        Assert.Contains("<tr><td>serializable</td><td class=\"invalid\">invalid</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>snapshot-isolation</td><td class=\"valid\">valid</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("Ruled out: <b>repeatable-read</b>; and so also ", html, StringComparison.Ordinal);
        Assert.All(r.AlsoNot, m => Assert.Contains("<b>" + m + "</b>", html, StringComparison.Ordinal));
        Assert.Contains("<tr><td>G2-item</td><td>1</td></tr>", html, StringComparison.Ordinal);
        var div = Regex.Match(html, "<div class=\"anomaly cycle\" id=\"anomaly-G2-item-1\" style=\"display:flex;flex-wrap:wrap[^\"]*\">\n(<svg[\\s\\S]*?</svg>)\n?<pre class=\"explanation\"[^>]*>([\\s\\S]*?)</pre>");
        Assert.True(div.Success, html);
        var svg = Svg.Parse(div.Groups[1].Value);
        Assert.Equal(["T1", "T2"], Svg.Texts(svg, "txn"));
        Assert.Contains("Let:\n  T1 = ", div.Groups[2].Value, StringComparison.Ordinal);
        Assert.Contains("a contradiction!", div.Groups[2].Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_TwoCyclesOnOnePage_UseDifferentArrowheadIds()
    {
        // Two independent G1c pairs on integer keys.
        var (r, history) = Check("p0 ak0.1 rk1[1] [0,10] | p1 ak1.1 rk0[1] [0,10] | p2 ak2.1 rk3[1] [0,10] | p3 ak3.1 rk2[1] [0,10]");
        Assert.Equal(2, r.Cycles.Count(c => c.Kind == "G1c"));

        var html = Write(r, history);

        Assert.Contains("id=\"anomaly-G1c-1\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"anomaly-G1c-2\"", html, StringComparison.Ordinal);
        var ids = Regex.Matches(html, " id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(2, Svg.All(html).Count);
    }

    [Fact]
    public void Write_MoreThanFiftyCyclesOfAKind_DrawsFiftyAndCountsTheRest()
    {
        var pairs = Enumerable.Range(0, 51).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"p{2 * i} ak{2 * i}.1 rk{2 * i + 1}[1] [0,10] | p{2 * i + 1} ak{2 * i + 1}.1 rk{2 * i}[1] [0,10]"));
        var (r, history) = Check(string.Join(" | ", pairs));
        Assert.Equal(51, r.Cycles.Count(c => c.Kind == "G1c"));

        var html = Write(r, history);

        Assert.Contains("<h4>G1c (51)</h4>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>G1c</td><td>51</td></tr>", html, StringComparison.Ordinal);
        Assert.Equal(50, Svg.All(html).Count);
        Assert.Contains("id=\"anomaly-G1c-50\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"anomaly-G1c-51\"", html, StringComparison.Ordinal);
        Assert.Contains("… and 1 more (see results.json).", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_LostUpdate_ShowsTheFindingWithItsOps()
    {
        var (r, history) = Check("p0 ax0 [0,5] | p1 rx[0] ax1 [10,20] | p2 rx[0] ax2 [10,20] | p3 rx[0,1,2] [30,40]", "snapshot-isolation");
        var finding = Assert.Single(r.Findings, f => f.Kind == "lost-update");

        var html = Write(r, history);

        Assert.Contains("<div class=\"anomaly finding\" id=\"anomaly-lost-update-1\">", html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(finding.Explanation), html, StringComparison.Ordinal);
        Assert.Contains("<table class=\"ops\">", html, StringComparison.Ordinal);
        foreach (var p in finding.Positions)
            Assert.Contains("<tr><td><a href=\"timeline.html#op=" + p.ToString(CultureInfo.InvariantCulture) + "\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WhenTheCheckCannotDecide_SaysWhy()
    {
        var (r, history) = Check("p0 rx[] [0,10]");
        Assert.NotNull(r.UnknownReason);

        var html = Write(r, history);

        Assert.Contains("<tr><td>strict-serializable</td><td class=\"unknown\">unknown</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("The check could not decide: " + System.Net.WebUtility.HtmlEncode(r.UnknownReason), html, StringComparison.Ordinal);
        Assert.Contains("empty-transaction-graph (undecided)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_EscapesHostileKeysInTheExplanationAndTheDiagram()
    {
        var (r, history) = Check(Rename(Txns.Parse(WriteSkew), "x", "</pre><script>alert(1)</script>"), "serializable");

        var html = Write(r, history);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/pre&gt;&lt;script&gt;", html, StringComparison.Ordinal);
        Svg.Parse(Assert.Single(Svg.All(html)));
    }

    [Fact]
    public void RunReport_ForATransactionalChecker_DrawsCyclesInsteadOfTheGenericList()
    {
        // Write skew (k0, k1), G-nonadjacent over four transactions (k2..k5) and a lost update (k6).
        var history = Txns.Parse("p0 rk0[] rk1[] ak0.1 [0,10] | p1 rk0[] rk1[] ak1.1 [0,10] " +
                                 "| p2 rk2[] rk5[1] [0,100] | p3 ak2.1 ak3.1 [0,100] | p4 rk3[1] rk4[] [0,100] | p5 ak4.1 ak5.1 [0,100] " +
                                 "| p6 ak6.0 [0,5] | p7 rk6[0] ak6.1 [10,20] | p8 rk6[0] ak6.2 [10,20] | p9 rk6[0,1,2] [30,40]");
        var result = Checkers.Checkers.Compose(new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["serializable"] }))
            .Check(history, new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);

        var files = RunReport.Write(new ReportInput
        {
            TestName = "list-append", StartTime = DateTimeOffset.UnixEpoch, Seed = 1, Options = [], History = history, Result = result,
        }, dir.Path);
        var html = File.ReadAllText(files.Index);

        Assert.Contains("<div class=\"anomaly cycle\" id=\"anomaly-G2-item-1\"", html, StringComparison.Ordinal);
        Assert.Contains("<div class=\"anomaly cycle\" id=\"anomaly-G-nonadjacent-item-1\"", html, StringComparison.Ordinal);
        Assert.Contains("<div class=\"anomaly finding\" id=\"anomaly-lost-update-1\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<div class=\"anomaly\">", html, StringComparison.Ordinal);
        Assert.NotEmpty(Svg.All(html));
        Assert.All(Svg.All(html), s => Svg.Parse(s));
    }
}
