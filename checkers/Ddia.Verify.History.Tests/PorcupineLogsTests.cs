using System.Globalization;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.History.Tests;

public class PorcupineLogsTests
{
    private static readonly string[] EtcdFs = ["read", "write", "cas"];
    private static readonly string[] KvFs = ["get", "put", "append"];

    private static Value Kw(string name) => Value.Keyword(name);

    private static HistoryFile Etcd(string text) => PorcupineLogs.ReadEtcd(new StringReader(text), "etcd.log");

    private static HistoryFile Kv(string text) => PorcupineLogs.ReadKv(new StringReader(text), "kv.txt");

    private static int Count(IReadOnlyDictionary<string, string> row, string column) =>
        int.Parse(row[column], CultureInfo.InvariantCulture);

    public static TheoryData<string> EtcdFiles => Corpora.Files("porcupine", f => f.StartsWith("jepsen/", StringComparison.Ordinal));

    public static TheoryData<string> KvFiles => Corpora.Files("porcupine", f => f.StartsWith("kv/", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(EtcdFiles))]
    public void EtcdLogsMatchTheManifest(string file)
    {
        var row = Corpora.Row("porcupine", file);
        var h = PorcupineLogs.ReadEtcd(Corpora.PathOf("porcupine", file));
        var ops = h.History;
        Assert.Equal(HistoryFormat.PorcupineEtcd, h.Format);
        Assert.Same(SourceConventions.Porcupine, h.Conventions);
        Assert.Empty(h.Warnings);
        Assert.Empty(ops.Problems);
        Assert.Equal(Count(row, "lines"), ops.Count);
        Assert.Equal(Count(row, "invoke"), ops.Count(o => o.IsInvoke));
        Assert.Equal(Count(row, "ops_count"), ops.Count(o => o.IsInvoke));
        Assert.Equal(Count(row, "ok"), ops.Count(o => o.Type == OpType.Ok));
        Assert.Equal(Count(row, "fail"), ops.Count(o => o.Type == OpType.Fail));
        Assert.Equal(Count(row, "info_or_unmatched"), ops.Count(o => o.Type == OpType.Info));
        Assert.Equal(Count(row, "pending_at_eof"),
            Enumerable.Range(0, ops.Count).Count(i => ops[i].IsInvoke && ops.OutcomeOf(i) == OpType.Info));
        Assert.Equal(Count(row, "processes"), ops.Select(o => o.Process).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, ops.Count), h.Lines);
        Assert.All(ops, o => Assert.Equal(-1, o.Time));
        Assert.All(ops, o => Assert.Contains(o.F, EtcdFs));
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            Assert.Equal(i, op.Index);
            if (op.F == "cas") Assert.Equal(2, op.Value.Items.Length);
            if (op.F == "write") Assert.Equal(ValueKind.Int, op.Value.Kind);
            if (op.IsCompletion && op.Type != OpType.Ok) Assert.Equal(ops[ops.InvocationOf(i)].Value, op.Value);
        }
    }

    [Fact]
    public void TabAndSpaceSeparatedLines()
    {
        var h = Etcd("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
            + "INFO  jepsen.util - 2   :invoke :cas    [1 0]\n"
            + "INFO  jepsen.util - 0\t:ok\t:read\t3\n"
            + "INFO  jepsen.util - 2   :fail   :cas    [1 0]\n"
            + "INFO  jepsen.util - 4\t:invoke\t:write\t4\r\n"
            + "INFO  jepsen.util - 4\t:ok\t:write\t4\n");
        Assert.Equal(
        [
            new Op(0, -1, OpType.Invoke, 0, "read", Value.Nil),
            new Op(1, -1, OpType.Invoke, 2, "cas", Value.List(Value.Of(1), Value.Of(0))),
            new Op(2, -1, OpType.Ok, 0, "read", Value.Of(3)),
            new Op(3, -1, OpType.Fail, 2, "cas", Value.List(Value.Of(1), Value.Of(0))),
            new Op(4, -1, OpType.Invoke, 4, "write", Value.Of(4)),
            new Op(5, -1, OpType.Ok, 4, "write", Value.Of(4)),
        ], h.History);
    }

    [Fact]
    public void TimeoutsKeepTheInvokedValue()
    {
        var h = Etcd("INFO  jepsen.util - 4\t:invoke\t:write\t3\n"
            + "INFO  jepsen.util - 1\t:invoke\t:cas\t[0 3]\n"
            + "INFO  jepsen.util - 3   :invoke :read   nil\n"
            + "INFO  jepsen.util - 4\t:info\t:write\t:timed-out\n"
            + "INFO  jepsen.util - 1\t:info\t:cas\t:timed-out\n"
            + "INFO  jepsen.util - 3   :fail   :read   :timed-out\n").History;
        Assert.Equal(new Op(3, -1, OpType.Info, 4, "write", Value.Of(3), null, Kw("timed-out")), h[3]);
        Assert.Equal(new Op(4, -1, OpType.Info, 1, "cas", Value.List(Value.Of(0), Value.Of(3)), null, Kw("timed-out")), h[4]);
        Assert.Equal(new Op(5, -1, OpType.Fail, 3, "read", Value.Nil, null, Kw("timed-out")), h[5]);
        Assert.Empty(h.Problems);
    }

    [Fact]
    public void CorpusTimeoutsAreIndeterminateOrFailedReads()
    {
        var h = PorcupineLogs.ReadEtcd(Corpora.PathOf("porcupine", "jepsen/etcd_100.log")).History;
        Assert.Contains(h, o => o.Type == OpType.Fail && o.F == "read" && o.Error == Kw("timed-out") && o.Value.IsNil);
        Assert.All(h.Where(o => o.Type == OpType.Info), o => Assert.Equal(Kw("timed-out"), o.Error));
        Assert.All(h.Where(o => o.Type == OpType.Info), o => Assert.NotEqual(ValueKind.Keyword, o.Value.Kind));
    }

    [Fact]
    public void EmptyLogIsAnEmptyHistory()
    {
        var h = PorcupineLogs.ReadEtcd(Corpora.PathOf("porcupine", "jepsen/etcd_095.log"));
        Assert.Empty(h.History);
        Assert.Empty(h.Warnings);
        Assert.Empty(Etcd("\n\n").History);
    }

    [Theory]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nWARN  jepsen.core - oops\n", 2, null,
        "expected a Jepsen log line 'INFO  jepsen.util - <process> <type> <f> <value>', got 'WARN  jepsen.core - oops'")]
    [InlineData("INFO  jepsen.util -\n", 1, null, "expected a Jepsen log line")]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:read\n", 1, "value", "missing")]
    [InlineData("INFO  jepsen.util - x\t:invoke\t:read\tnil\n", 1, "process", "expected a non-negative integer, got 'x'")]
    [InlineData("\nINFO  jepsen.util - 0\t:okk\t:read\tnil\n", 2, "type", "expected :invoke, :ok, :fail or :info, got ':okk'")]
    [InlineData("INFO  jepsen.util - 0\tinvoke\t:read\tnil\n", 1, "type", "got 'invoke'")]
    [InlineData("INFO  jepsen.util - 0\t:invoke\tread\tnil\n", 1, "f", "expected a keyword")]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n", 1, "value", "unterminated vector")]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2] 3\n", 1, "value", "after the value")]
    public void EtcdErrors(string text, int line, string? field, string problem)
    {
        var e = Assert.Throws<HistoryFormatException>(() => Etcd(text));
        Assert.Equal("etcd.log", e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok")]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:cas\t[1")]
    [InlineData("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.ut")]
    public void ACutOffLastEtcdLineIsAWarning(string text)
    {
        var h = Etcd(text);
        Assert.Single(h.History);
        Assert.StartsWith("etcd.log:2: the last line is cut off", Assert.Single(h.Warnings), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KvFiles))]
    public void KvLogsMatchTheManifest(string file)
    {
        var row = Corpora.Row("porcupine", file);
        var h = PorcupineLogs.ReadKv(Corpora.PathOf("porcupine", file));
        var ops = h.History;
        Assert.Equal(HistoryFormat.PorcupineKv, h.Format);
        Assert.Same(SourceConventions.Native, h.Conventions);
        Assert.Empty(h.Warnings);
        Assert.Empty(ops.Problems);
        Assert.Equal(Count(row, "lines"), ops.Count);
        Assert.Equal(Count(row, "invoke"), ops.Count(o => o.IsInvoke));
        Assert.Equal(Count(row, "ok"), ops.Count(o => o.Type == OpType.Ok));
        Assert.Equal(Count(row, "processes"), ops.Select(o => o.Process).Distinct().Count());
        Assert.All(ops, o => Assert.Equal(ValueKind.String, o.Key?.Kind));
        Assert.All(ops, o => Assert.Contains(o.F, KvFs));
        Assert.All(ops.Where(o => o.F == "get" && o.IsInvoke), o => Assert.True(o.Value.IsNil));
        Assert.All(ops.Where(o => !(o.F == "get" && o.IsInvoke)), o => Assert.Equal(ValueKind.String, o.Value.Kind));
    }

    [Fact]
    public void KvOps()
    {
        var h = Kv("{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
            + "{:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
            + "\n"
            + "{:process 3, :type :invoke, :f :get, :key \"5\", :value nil}\n"
            + "{:process 3, :type :ok, :f :get, :key \"5\", :value \"\"}\n");
        Assert.Equal(new Op(0, -1, OpType.Invoke, 0, "append", Value.Of("x 0 0 y"), Value.Of("0")), h.History[0]);
        Assert.Equal(new Op(2, -1, OpType.Invoke, 3, "get", Value.Nil, Value.Of("5")), h.History[2]);
        Assert.Equal(new Op(3, -1, OpType.Ok, 3, "get", Value.Of(""), Value.Of("5")), h.History[3]);
        Assert.Equal([1, 2, 4, 5], h.Lines);
    }

    private const string KvGet = "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n";

    [Theory]
    [InlineData(KvGet + "{:process 0, :type :okk, :f :get, :key \"1\", :value nil}\n", 2, ":type")]
    [InlineData(KvGet + "{:process 0, :type :ok\n", 2, null)]
    [InlineData("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil} {:process 0}\n", 1, null)]
    [InlineData("[1 2]\n", 1, null)]
    public void KvErrors(string text, int line, string? field)
    {
        var e = Assert.Throws<HistoryFormatException>(() => Kv(text));
        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void ACutOffLastKvLineIsAWarning()
    {
        var h = Kv("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n{:process 0, :type :ok, :f :get, :key \"1\", :val");
        Assert.Single(h.History);
        Assert.StartsWith("kv.txt:2: the last line is cut off", Assert.Single(h.Warnings), StringComparison.Ordinal);
    }
}
