using System.Diagnostics;
using System.Text.Json;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using Ddia.Verify.Reports.Timeline;
using Xunit.Abstractions;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Reports.Tests;

public sealed class TimelineTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Write(HistoryList history, string title = "register-partition")
    {
        var path = Path.Combine(dir.Path, TimelinePage.FileName);
        TimelinePage.Write(history, FaultWindows.Find(history), path, title);
        Assert.True(File.Exists(path));
        return File.ReadAllText(path);
    }

    /// <summary>The text of the data island, as the page's script reads it.</summary>
    private static string Island(string html)
    {
        const string open = "<script type=\"application/json\" id=\"timeline-data\">";
        var from = html.IndexOf(open, StringComparison.Ordinal);
        Assert.True(from >= 0, "no data island");
        from += open.Length;
        var to = html.IndexOf("</script>", from, StringComparison.Ordinal);
        return html[from..to];
    }

    private static JsonElement Data(string html) => JsonDocument.Parse(Island(html)).RootElement;

    [Fact]
    public void Write_SmallHistory_EmbedsEveryOpWithItsOutcomeColumnAndTimes()
    {
        var history = Ops.Parse("p0 w1 [0,10] | p1 r1 [5,20] | p2 w2:fail [12,30] | p0 c1>3:info [40,60] | p1 r_ [45,_]");

        var html = Write(history);

        var data = Data(html);
        var counts = data.GetProperty("counts");
        Assert.Equal(5, counts.GetProperty("ops").GetInt32());
        Assert.Equal(2, counts.GetProperty("ok").GetInt32());
        Assert.Equal(1, counts.GetProperty("fail").GetInt32());
        Assert.Equal(1, counts.GetProperty("info").GetInt32());
        Assert.Equal(1, counts.GetProperty("open").GetInt32());
        Assert.Equal(["0", "1", "2"], data.GetProperty("procs").EnumerateArray().Select(p => p.GetString()));

        var client = data.GetProperty("client");
        int[] Ints(string name) => [.. client.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
        // Ordered by invocation. A run under a second keeps its times in ns (Ops.Parse's times are ns).
        Assert.Equal(1, data.GetProperty("unit").GetInt32());
        Assert.Equal([0, 5, 12, 40, 45], Ints("start"));
        Assert.Equal([10, 15, 18, 20, 15], Ints("dur"));   // the open op runs to the end of the history (60)
        Assert.Equal([0, 1, 2, 0, 1], Ints("col"));
        Assert.Equal([0, 0, 1, 2, 3], Ints("outcome"));
        Assert.Equal(["write", "read", "cas"], data.GetProperty("fs").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal([0, 1, 0, 2, 1], Ints("f"));
        // The read of 1 was invoked with nil and completed with 1; the write's completion repeats its value.
        Assert.Equal("nil", client.GetProperty("value")[1].GetString());
        Assert.Equal("1", client.GetProperty("cvalue")[1].GetString());
        Assert.Equal(JsonValueKind.Null, client.GetProperty("cvalue")[0].ValueKind);
        Assert.Equal("[1 3]", client.GetProperty("value")[3].GetString());
        // The op that never completed is there, without a completion index.
        Assert.Equal(-1, Ints("cindex")[4]);
        Assert.Equal(Enumerable.Range(0, history.Count).Single(i => history[i].IsInvoke && history.CompletionOf(i) < 0), Ints("index")[4]);

        Assert.Contains("<canvas id=\"timeline-canvas\">", html, StringComparison.Ordinal);
        Assert.Contains("href=\"index.html\"", html, StringComparison.Ordinal);
        Assert.Contains("performance.mark('timeline-first-draw')", html, StringComparison.Ordinal);
        Assert.Contains("5 client ops", html, StringComparison.Ordinal);
        Assert.Contains("1 never completed", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SampleRun_DrawsNemesisOpsAndFaultWindowsInTheirColours()
    {
        var history = SampleRun.Build(staleRead: false);

        var html = Write(history);

        var data = Data(html);
        var faults = data.GetProperty("faults").EnumerateArray().ToList();
        Assert.Equal(["partition", "pause", "kill"], faults.Select(f => f.GetProperty("kind").GetString()));
        Assert.Equal(1000, data.GetProperty("unit").GetInt32());
        Assert.Equal(5_000_000, faults[0].GetProperty("start").GetInt64());            // µs
        Assert.Equal(10_050_000, faults[0].GetProperty("end").GetInt64());
        Assert.True(faults[2].GetProperty("open").GetBoolean());
        Assert.Equal(data.GetProperty("end").GetInt64(), faults[2].GetProperty("end").GetInt64());
        Assert.Equal("#9467bd", faults[0].GetProperty("color").GetString());
        // Five nemesis ops, each an invoke paired with its info.
        var nemesis = data.GetProperty("nemesis").EnumerateArray().ToList();
        Assert.Equal(5, nemesis.Count);
        Assert.All(nemesis, n => Assert.Equal(50_000, n[4].GetInt64()));
        Assert.Contains("fault windows", html, StringComparison.Ordinal);
        Assert.Contains("background:#9467bd", html, StringComparison.Ordinal);   // the legend
        var clientOps = history.Count(o => o.IsClient && o.IsInvoke);
        Assert.Equal(clientOps, data.GetProperty("counts").GetProperty("ops").GetInt32());
    }

    [Fact]
    public void Write_HostileValues_CannotCloseTheScriptOrOpenAComment()
    {
        var hostile = "</script><script>alert(1)</script><!-- <b>&amp; \u2028 http://evil.example/";
        var ops = new[]
        {
            new Op(0, 1000, OpType.Invoke, 0, "write</script>", Value.Of(hostile), Value.Of("<!--key")),
            new Op(1, 2000, OpType.Fail, 0, "write</script>", Value.Of(hostile), Value.Of("<!--key"), Value.Of("</SCRIPT >" + hostile)),
            new Op(2, 3000, OpType.Info, Op.NemesisProcess, "start-</script>", Value.Of(hostile)),
        };

        var html = Write(new HistoryList(ops), title: "<script>title</script>");

        var island = Island(html);
        Assert.DoesNotContain("<", island, StringComparison.Ordinal);
        Assert.DoesNotContain(">", island, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2028", island, StringComparison.Ordinal);
        // The page's only scripts are the island and the timeline's own.
        Assert.Equal(2, CountOf(html, "<script"));
        Assert.Equal(2, CountOf(html.ToUpperInvariant(), "</SCRIPT"));
        Assert.DoesNotContain("<!--", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;title&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);

        // And the island still reads back as the values (cut to 80 characters).
        var data = JsonDocument.Parse(island).RootElement;
        var value = data.GetProperty("client").GetProperty("value")[0].GetString()!;
        Assert.StartsWith("\"</script><script>alert(1)", value, StringComparison.Ordinal);
        Assert.True(value.Length <= 80);
        Assert.Equal("<!--key", JsonSerializer.Deserialize<string[]>(data.GetProperty("keys").GetRawText())![0][1..^1]);
        var error = data.GetProperty("client").GetProperty("errors")[0];
        Assert.Equal(0, error[0].GetInt32());
        Assert.StartsWith("\"</SCRIPT >", error[1].GetString(), StringComparison.Ordinal);
        Assert.Equal("start-</script>", data.GetProperty("fs")[1].GetString());
    }

    [Fact]
    public void Write_Page_HasNoExternalUrl()
    {
        var html = Write(SampleRun.Build(staleRead: true));

        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("//cdn", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Write_WhenNoOpHasATime_UsesPositions()
    {
        var ops = new[]
        {
            new Op(0, -1, OpType.Invoke, 0, "read", Value.Nil),
            new Op(1, -1, OpType.Invoke, 1, "write", Value.Of(2)),
            new Op(2, -1, OpType.Ok, 0, "read", Value.Of(2)),
        };

        var data = Data(Write(new HistoryList(ops)));

        Assert.True(data.GetProperty("byPosition").GetBoolean());
        Assert.Equal(1_000_000, data.GetProperty("unit").GetInt32());   // a position is drawn as 1 ms
        Assert.Equal([0, 1], data.GetProperty("client").GetProperty("start").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([2, 1], data.GetProperty("client").GetProperty("dur").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([0, 3], data.GetProperty("client").GetProperty("outcome").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Write_EmptyHistory_WritesAPageWithNoOps()
    {
        var data = Data(Write(new HistoryList([])));

        Assert.Equal(0, data.GetProperty("counts").GetProperty("ops").GetInt32());
        Assert.Equal(0, data.GetProperty("client").GetProperty("start").GetArrayLength());
        Assert.Equal(0, data.GetProperty("nemesis").GetArrayLength());
    }

    [Fact]
    public void Write_LongValues_AreCutTo80Characters()
    {
        var big = Value.List(Enumerable.Range(0, 10_000).Select(i => Value.Of(i)).ToArray());
        var history = new HistoryList([
            new Op(0, 0, OpType.Invoke, 0, "read", Value.Nil),
            new Op(1, 5_000, OpType.Ok, 0, "read", big),
        ]);

        var cvalue = Data(Write(history)).GetProperty("client").GetProperty("cvalue")[0].GetString()!;

        Assert.Equal(TimelineData.MaxText, cvalue.Length);
        Assert.StartsWith("[0 1 2 3", cvalue, StringComparison.Ordinal);
        Assert.EndsWith("…", cvalue, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_100kOps_IsQuickAndSmall()
    {
        var history = Generated(100_000);
        var path = Path.Combine(dir.Path, TimelinePage.FileName);

        var watch = Stopwatch.StartNew();
        TimelinePage.Write(history, FaultWindows.Find(history), path, "100k");
        watch.Stop();

        var size = new FileInfo(path).Length;
        output.WriteLine($"100,000 client ops ({history.Count:N0} history ops): wrote {size / 1e6:0.00} MB in {watch.ElapsedMilliseconds} ms");
        Assert.True(size < 15_000_000, $"timeline.html is {size:N0} bytes");
        var data = Data(File.ReadAllText(path));
        Assert.Equal(100_000, data.GetProperty("counts").GetProperty("ops").GetInt32());
        Assert.True(data.GetProperty("counts").GetProperty("open").GetInt32() > 0);
    }

    /// <summary>
    /// A long run on 10 keys by 20 workers: ~1 ms ops, a few failing, about 1 in 200 timing out (info,
    /// which moves the worker to a new process), the last ones left open; a partition every 10 s.
    /// </summary>
    internal static HistoryList Generated(int clientOps, int workers = 20)
    {
        const long Ms = 1_000_000;
        var random = new Random(11);
        var events = new List<(long Time, Op Op)>(clientOps * 2);
        var clock = new long[workers];
        var process = Enumerable.Range(0, workers).ToArray();
        for (var n = 0; n < clientOps; n++)
        {
            var w = n % workers;
            var t = clock[w] + (random.Next(0, 400) * 1000);
            var latency = (long)(random.NextDouble() * 3 * Ms) + 100_000;
            var roll = random.Next(1000);
            var type = roll < 5 ? OpType.Info : roll < 30 ? OpType.Fail : OpType.Ok;
            var f = random.Next(2) == 0 ? "read" : "write";
            var key = Value.Of(random.Next(10));
            var value = f == "write" ? Value.Of(n) : Value.Nil;
            events.Add((t, new Op(0, t, OpType.Invoke, process[w], f, value, key)));
            if (n >= clientOps - workers / 2)
            {
                clock[w] = long.MaxValue / 2;   // left open: the run ended first
                continue;
            }
            var result = f == "read" && type == OpType.Ok ? Value.Of(random.Next(n + 1)) : value;
            var error = type == OpType.Ok ? null : Value.Keyword(type == OpType.Info ? "timeout" : "unavailable");
            events.Add((t + latency, new Op(0, t + latency, type, process[w], f, result, key, error)));
            clock[w] = t + latency;
            if (type == OpType.Info) process[w] += workers;
        }
        var last = events.Max(e => e.Time);
        for (var t = 5_000 * Ms; t < last; t += 10_000 * Ms)
        {
            events.Add((t, new Op(0, t, OpType.Info, Op.NemesisProcess, "start-partition", Value.Of("majority"))));
            events.Add((t + (3_000 * Ms), new Op(0, t + (3_000 * Ms), OpType.Info, Op.NemesisProcess, "stop-partition", Value.Nil)));
        }
        return new HistoryList(events.OrderBy(e => e.Time).Select((e, i) => e.Op with { Index = i }));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
