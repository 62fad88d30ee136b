using Ddia.Verify.History.Formats;

namespace Ddia.Verify.History.Tests;

public class HistoryReaderTests
{
    public static TheoryData<string, string, HistoryFormat?> CorpusFiles()
    {
        var data = new TheoryData<string, string, HistoryFormat?>();
        foreach (var row in Corpora.Manifest("knossos")) data.Add("knossos", row["file"], HistoryFormat.Edn);
        foreach (var row in Corpora.Manifest("porcupine"))
        {
            var file = row["file"];
            if (file.StartsWith("kv/", StringComparison.Ordinal)) data.Add("porcupine", file, HistoryFormat.PorcupineKv);
            else if (row["lines"] == "0") data.Add("porcupine", file, null);   // etcd_095.log is empty
            else data.Add("porcupine", file, HistoryFormat.PorcupineEtcd);
        }
        foreach (var row in Corpora.Manifest("elle"))
        {
            var file = row["file"];
            data.Add("elle", file, file.EndsWith(".json", StringComparison.Ordinal) ? HistoryFormat.JsonArray : HistoryFormat.Edn);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void DetectsTheFormatOfEveryCorpusFile(string corpus, string file, HistoryFormat? expected)
    {
        var path = Corpora.PathOf(corpus, file);
        Assert.Equal(expected, HistoryReader.DetectFormat(path));
        var h = HistoryReader.Read(path);
        Assert.Equal(expected ?? HistoryFormat.Jsonl, h.Format);
        Assert.Empty(h.History.Problems);
        Assert.Empty(h.Warnings);
        Assert.Equal(path, h.Path);
    }

    private static readonly string[] HistoryDirectories =
    [
        "knossos/data", "porcupine/jepsen", "porcupine/kv",
        "elle/jepsen-io-elle/histories", "elle/elle-cli/histories", "elle/elle-cli/test-data",
    ];

    [Fact]
    public void CorpusFilesAreAllListed()
    {
        // Every history file under the corpora is covered by the detection theory above.
        var listed = CorpusFiles().Select(row => Path.GetFullPath(Corpora.PathOf((string)row[0], (string)row[1]))).ToHashSet();
        var found = HistoryDirectories
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Corpora.Root, d), "*", SearchOption.AllDirectories))
            .Select(Path.GetFullPath)
            .ToList();
        Assert.Equal(122 + 109 + 27, found.Count);
        Assert.All(found, f => Assert.Contains(f, listed));
    }

    private const string KvLine = "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n";

    [Theory]
    [InlineData("{\"index\":0,\"time\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n", HistoryFormat.Jsonl)]
    [InlineData("  { \"type\":\"invoke\"}", HistoryFormat.Jsonl)]
    [InlineData("{:process 0, :type :invoke, :f :read, :value nil}\n", HistoryFormat.Edn)]
    [InlineData(KvLine + "{:process 0, :type :ok, :f :get, :key \"1\", :value \"\"}\n", HistoryFormat.PorcupineKv)]
    [InlineData(KvLine + "{:process 0, :type :ok, :f :get, :value \"\"}\n", HistoryFormat.Edn)]
    [InlineData("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil, :time 5}\n", HistoryFormat.Edn)]
    [InlineData("{:process 0, :type :invoke, :f :get, :key 1, :value nil}\n", HistoryFormat.Edn)]
    [InlineData("[{\"type\":\"invoke\"}]", HistoryFormat.JsonArray)]
    [InlineData("[\n  {\n \"type\":\"invoke\"}]", HistoryFormat.JsonArray)]
    [InlineData("[]", HistoryFormat.JsonArray)]
    [InlineData("[{:type :invoke}]", HistoryFormat.Edn)]
    [InlineData("; comment\n[; another\n {:type :invoke}]", HistoryFormat.Edn)]
    [InlineData("({:type :invoke})", HistoryFormat.Edn)]
    [InlineData("[#jepsen.history.Op{:type :invoke}]", HistoryFormat.Edn)]
    [InlineData("#jepsen.history.Op{:type :invoke}\n", HistoryFormat.Edn)]
    [InlineData("\uFEFF\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n", HistoryFormat.PorcupineEtcd)]
    public void DetectsFromContent(string text, HistoryFormat expected)
    {
        Assert.Equal(expected, HistoryReader.DetectFormat(text, "t"));
        using var file = new TempFile(text, ".misleading.json");
        Assert.Equal(expected, HistoryReader.DetectFormat(file.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\t\n")]
    public void EmptyFilesAreEmptyJsonlHistories(string text)
    {
        using var file = new TempFile(text);
        var h = HistoryReader.Read(file.Path);
        Assert.Equal(HistoryFormat.Jsonl, h.Format);
        Assert.Empty(h.History);
        Assert.Empty(h.Warnings);
    }

    [Theory]
    [InlineData("hello world\n", 1)]
    [InlineData("INFO  something else - 0 :invoke\n", 1)]
    [InlineData("\n\n<xml/>", 3)]
    [InlineData("[[0 :invoke :read nil]]", 1)]
    [InlineData("{}", 1)]
    public void UnknownContentIsAnError(string text, int line)
    {
        using var file = new TempFile(text);
        var e = Assert.Throws<HistoryFormatException>(() => HistoryReader.Read(file.Path));
        Assert.Equal(file.Path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Null(e.Field);
        Assert.Equal("cannot tell the format: expected JSON Lines, EDN, a JSON array or a Porcupine log; use --format", e.Problem);
    }

    [Fact]
    public void MissingFileIsAnError()
    {
        var e = Assert.Throws<HistoryFormatException>(() => HistoryReader.Read("/nonexistent/history.jsonl"));
        Assert.Equal(0, e.Line);
        Assert.Equal("no such file", e.Problem);
        Assert.Equal("/nonexistent/history.jsonl:0: no such file", e.Message);
        Assert.Throws<HistoryFormatException>(() => HistoryReader.Read("/nonexistent/history.edn", HistoryFormat.Edn));
        Assert.Throws<HistoryFormatException>(() => EdnHistory.Read("/nonexistent/history.edn"));
        Assert.Throws<HistoryFormatException>(() => PorcupineLogs.ReadEtcd("/nonexistent/etcd.log"));
    }

    [Fact]
    public void AnExplicitFormatWins()
    {
        // A kv log read as plain EDN: same ops (EDN honours :key too), but EDN's format and conventions.
        var path = Corpora.PathOf("porcupine", "kv/c01-ok.txt");
        var asKv = HistoryReader.Read(path);
        var asEdn = HistoryReader.Read(path, HistoryFormat.Edn);
        Assert.Equal(HistoryFormat.PorcupineKv, asKv.Format);
        Assert.Equal(HistoryFormat.Edn, asEdn.Format);
        Assert.Same(SourceConventions.Knossos, asEdn.Conventions);
        Assert.Equal(asKv.History, asEdn.History);

        var e = Assert.Throws<HistoryFormatException>(() => HistoryReader.Read(path, HistoryFormat.JsonArray));
        Assert.Equal(1, e.Line);
    }

    [Fact]
    public void EdnOptionsPassThrough()
    {
        using var file = new TempFile("{:process 0, :type :invoke, :f :read, :value [7 nil]}\n", ".edn");
        var h = HistoryReader.Read(file.Path, null, new EdnOptions { Independent = true });
        Assert.Equal(Value.Of(7), h.History[0].Key);
        Assert.Equal(Value.Nil, h.History[0].Value);
    }

    [Fact]
    public void ReadsJsonLinesThroughTheNativeReader()
    {
        using var file = new TempFile(
            "{\"index\":0,\"time\":1523000,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k1\",\"value\":3}\n"
            + "{\"index\":1,\"time\":2034000,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k1\",\"value\":3}\n");
        var h = HistoryReader.Read(file.Path);
        Assert.Equal(HistoryFormat.Jsonl, h.Format);
        Assert.Equal(new Op(1, 2034000, OpType.Ok, 0, "write", Value.Of(3), Value.Of("k1")), h.History[1]);
    }

    [Theory]
    [InlineData("jsonl", HistoryFormat.Jsonl)]
    [InlineData("edn", HistoryFormat.Edn)]
    [InlineData("json", HistoryFormat.JsonArray)]
    [InlineData("porcupine-etcd", HistoryFormat.PorcupineEtcd)]
    [InlineData("porcupine-kv", HistoryFormat.PorcupineKv)]
    [InlineData("EDN", HistoryFormat.Edn)]
    public void FormatNames(string name, HistoryFormat format)
    {
        Assert.True(HistoryReader.TryParseFormatName(name, out var parsed));
        Assert.Equal(format, parsed);
        Assert.Equal(name.ToLowerInvariant(), HistoryReader.FormatName(format));
    }

    [Theory]
    [InlineData("")]
    [InlineData("yaml")]
    [InlineData("porcupine")]
    public void UnknownFormatNames(string name) => Assert.False(HistoryReader.TryParseFormatName(name, out _));
}
