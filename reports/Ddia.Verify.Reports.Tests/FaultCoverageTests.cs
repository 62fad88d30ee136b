using System.Text;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Tests;

public sealed class FaultCoverageTests
{
    private const long S = 1_000_000_000;

    /// <summary>A history in our JSON Lines format, with ops as the nemeses record them (invoke, then info with what was done).</summary>
    private static HistoryList Parse(params string[] lines)
    {
        var text = string.Join('\n', lines.Select((l, i) => "{\"index\":" + i + "," + l + "}"));
        return JsonlHistory.ReadLines(new MemoryStream(Encoding.UTF8.GetBytes(text)), "test.jsonl").History;
    }

    private static string Client(long seconds, int process, string type, string f = "write", string value = "1") =>
        $"\"time\":{seconds * S},\"process\":{process},\"type\":\"{type}\",\"f\":\"{f}\",\"value\":{value}";

    private static string Nemesis(long seconds, string type, string f, string value) =>
        $"\"time\":{seconds * S},\"process\":\"nemesis\",\"type\":\"{type}\",\"f\":\"{f}\",\"value\":{value}";

    [Fact]
    public void Compute_CountsTheOpsEachFaultOverlappedAndTheNodesItHit()
    {
        var history = Parse(
            Client(0, 0, "invoke"), Client(1, 0, "ok"),                                  // before any fault
            Nemesis(2, "invoke", "start-partition", "\"one\""),
            Nemesis(2, "info", "start-partition", "{\"kind\":\"one\",\"grudge\":{\"n1\":[\"n2\",\"n3\"],\"n2\":[\"n1\"],\"n3\":[\"n1\"]}}"),
            Client(3, 1, "invoke"), Client(4, 1, "fail"),                                // inside the partition
            Client(5, 2, "invoke"),                                                      // overlaps it and the kill, never completes
            Nemesis(6, "invoke", "stop-partition", "null"), Nemesis(6, "info", "stop-partition", "{\"removed\":4}"),
            Nemesis(7, "invoke", "kill", "\"one\""), Nemesis(7, "info", "kill", "{\"nodes\":[\"n3\"]}"),
            Client(8, 0, "invoke", "read", "null"), Client(9, 0, "ok", "read", "1"),      // inside the kill
            Nemesis(10, "invoke", "start", "null"), Nemesis(10, "info", "start", "{\"nodes\":[\"n3\"]}"),
            Client(11, 0, "invoke"), Client(12, 0, "ok"));                               // after every fault

        var rows = FaultCoverage.Compute(history, FaultWindows.Find(history));

        Assert.Equal(3, rows.Count);
        var partition = rows[0];
        Assert.Equal(("partition", 1, 4 * S), (partition.Kind, partition.Windows, partition.ActiveNs));
        Assert.Equal(["n1", "n2", "n3"], partition.Nodes);
        Assert.Equal((2, 0, 1, 1), (partition.Ops, partition.Ok, partition.Fail, partition.Info));
        var kill = rows[1];
        Assert.Equal(("kill", 3 * S, 0), (kill.Kind, kill.ActiveNs, kill.WindowsWithoutNodes));
        Assert.Equal(["n3"], kill.Nodes);
        Assert.Equal((2, 1, 0, 1), (kill.Ops, kill.Ok, kill.Fail, kill.Info));
        var none = rows[2];
        Assert.Equal((FaultCoverage.NoFault, 2, 2), (none.Kind, none.Ops, none.Ok));
        Assert.Equal(1.0, none.Availability);
    }

    [Fact]
    public void Compute_WhenAPartitionCutNobodyOff_SaysTheStartHitNoNode()
    {
        var history = Parse(
            Nemesis(1, "invoke", "start-partition", "\"primaries\""),
            Nemesis(1, "info", "start-partition", "{\"kind\":\"primaries\",\"grudge\":{\"n1\":[],\"n2\":[],\"n3\":[]}}"),
            Client(2, 0, "invoke"), Client(3, 0, "ok"),
            Nemesis(4, "invoke", "bump-clock", "{\"target\":\"one\"}"),
            Nemesis(4, "info", "bump-clock", "{\"offsets\":{\"n1\":0,\"n2\":-30000}}"));

        var rows = FaultCoverage.Compute(history, FaultWindows.Find(history));

        Assert.Equal(("partition", 1), (rows[0].Kind, rows[0].WindowsWithoutNodes));
        Assert.Empty(rows[0].Nodes);
        Assert.Equal(("clock", 0), (rows[1].Kind, rows[1].WindowsWithoutNodes));
        Assert.Equal(["n2"], rows[1].Nodes);   // n1's offset stayed 0: not hit
    }

    [Fact]
    public void ReportPage_ShowsCoverageAndMarksAFaultThatHitNothing()
    {
        var history = Parse(
            Nemesis(1, "invoke", "start-partition", "\"primaries\""),
            Nemesis(1, "info", "start-partition", "{\"kind\":\"primaries\",\"grudge\":{\"n1\":[]}}"),
            Client(2, 0, "invoke"), Client(3, 0, "ok"));
        using var dir = new TempDirectory();

        var files = RunReport.Write(new ReportInput { TestName = "t", History = history }, dir.Path);
        var html = File.ReadAllText(files.Index);

        Assert.Contains("id=\"fault-coverage\"", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"idle\"><td><span class=\"swatch\"", html, StringComparison.Ordinal);
        Assert.Contains("partition</td><td class=\"num\">1</td><td class=\"num\">2</td><td>none</td>", html, StringComparison.Ordinal);
    }
}
