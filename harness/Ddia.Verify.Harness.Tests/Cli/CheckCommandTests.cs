using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Harness.Cli;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>
/// <c>ddia-verify check</c> in-process: exit codes (0 valid, 1 invalid, 2 unknown, 254 bad arguments or
/// input, 255 internal error), the human summary, --json, and messages that name file, line and field.
/// </summary>
public class CheckCommandTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    private static readonly string Valid = Jsonl.Lines(Jsonl.WriteThenRead(1));
    private static readonly string Invalid = Jsonl.Lines(Jsonl.WriteThenRead(2));

    private static void AssertExit(int expected, CliRun run) =>
        Assert.True(run.Exit == expected, $"expected exit {expected}; {run}");

    // ------------------------------------------------------------------ verdicts

    [Fact]
    public void Check_WhenHistoryIsLinearizable_Exits0WithASummary()
    {
        var path = dir.Write("valid.jsonl", Valid);
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.Valid, run);
        Assert.Equal("", run.Stderr);
        Assert.Contains($"history   {path} (jsonl, 4 events, 2 client ops)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("model     register (inferred from the ops", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("verdict   VALID: linearizable", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("checked   1 partition, 2 ops", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+(\.\d+)? ms", run.Stdout);
    }

    [Fact]
    public void Check_WhenHistoryIsNotLinearizable_Exits1AndNamesTheOpAndTheStates()
    {
        var path = dir.Write("invalid.jsonl", Invalid);
        var run = Cli.Run("check", path, "--model", "register");
        AssertExit(ExitCodes.Invalid, run);
        Assert.Contains("verdict   INVALID: not linearizable", run.Stdout, StringComparison.Ordinal);
        // p1's read of 2 is the op no linearization can complete; it is on line 3 (its invocation).
        Assert.Contains("no linearization can complete", run.Stdout, StringComparison.Ordinal);
        var failure = run.Stdout[run.Stdout.IndexOf("no linearization can complete", StringComparison.Ordinal)..];
        Assert.StartsWith("no linearization can complete p1 read 2 (ok", failure, StringComparison.Ordinal);
        var headline = string.Join('\n', failure.Split('\n').Take(2));   // the op and where it is
        Assert.Contains($"{path}:3", headline, StringComparison.Ordinal);
        Assert.Contains("states it would have to run in: 1", failure, StringComparison.Ordinal);
        Assert.Contains("p0 write 1 (ok", failure, StringComparison.Ordinal);
        Assert.Contains($"({path}:1)", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithJson_PrintsTheFailureAsJson()
    {
        var path = dir.Write("invalid.jsonl", Invalid);
        var run = Cli.Run("check", path, "--json");
        AssertExit(ExitCodes.Invalid, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(path, root.GetProperty("file").GetString());
        Assert.Equal("jsonl", root.GetProperty("format").GetString());
        Assert.Equal("register", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("modelInferred").GetBoolean());
        Assert.Equal("invalid", root.GetProperty("validity").GetString());
        Assert.Equal(2, root.GetProperty("ops").GetInt32());
        var partition = root.GetProperty("partitions")[0];
        Assert.Equal("invalid", partition.GetProperty("validity").GetString());
        var op = partition.GetProperty("failure").GetProperty("op");
        Assert.Equal($"{path}:3", op.GetProperty("where").GetString());
        Assert.EndsWith(":3", op.GetProperty("where").GetString(), StringComparison.Ordinal);
        Assert.Equal("read", op.GetProperty("invocation").GetProperty("f").GetString());
        Assert.Equal(2, op.GetProperty("completion").GetProperty("value").GetInt32());
        Assert.Equal(["1"], partition.GetProperty("failure").GetProperty("candidateStates").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void Check_WithJson_WhenValid_PrintsOnlyJson()
    {
        var path = dir.Write("valid.jsonl", Valid);
        var run = Cli.Run("check", path, "--json");
        AssertExit(ExitCodes.Valid, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal("valid", doc.RootElement.GetProperty("validity").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("warnings").GetArrayLength());
        Assert.False(doc.RootElement.GetProperty("partitions")[0].TryGetProperty("failure", out _));
    }

    /// <summary>
    /// 22 concurrent writes, then one process reads 1 and then 2 with no write between: not
    /// linearizable, but proving it means trying the writes' orders (~2^22 configurations).
    /// </summary>
    private static string HardHistory()
    {
        var lines = new List<string>();
        var index = 0;
        for (var p = 0; p < 22; p++) lines.Add(Line(index++, 0, p, "invoke", "write", p + 1));
        for (var p = 0; p < 22; p++) lines.Add(Line(index++, 100, p, "ok", "write", p + 1));
        lines.Add(Line(index++, 200, 22, "invoke", "read", null));
        lines.Add(Line(index++, 210, 22, "ok", "read", 1));
        lines.Add(Line(index++, 220, 22, "invoke", "read", null));
        lines.Add(Line(index, 230, 22, "ok", "read", 2));
        return Jsonl.Lines(lines);

        static string Line(int index, int time, int process, string type, string f, int? value) =>
            string.Create(CultureInfo.InvariantCulture,
                $"{{\"index\":{index},\"time\":{time},\"process\":{process},\"type\":\"{type}\",\"f\":\"{f}\",\"value\":{(value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "null")}}}");
    }

    [Fact]
    public void Check_WhenTheSearchTimesOut_Exits2AndSaysUnknown()
    {
        var path = dir.Write("hard.jsonl", HardHistory());
        var clock = Stopwatch.StartNew();
        var run = Cli.Run("check", path, "--model", "register", "--timeout", "0.05");
        AssertExit(ExitCodes.Unknown, run);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"a 0.05 s timeout took {clock.Elapsed}");
        Assert.Contains("verdict   UNKNOWN", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("timed out", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("VALID", run.Stdout.Replace("UNKNOWN", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithJson_WhenTheSearchTimesOut_SaysUnknownAndWhy()
    {
        var path = dir.Write("hard.jsonl", HardHistory());
        var run = Cli.Run("check", path, "--timeout", "0.05", "--json");
        AssertExit(ExitCodes.Unknown, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal("unknown", doc.RootElement.GetProperty("validity").GetString());
        Assert.Contains("timed out", doc.RootElement.GetProperty("unknownReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithAllKeys_ReportsEveryFailingKey()
    {
        var lines = new[]
        {
            Jsonl.Op(0, 0, "invoke", "put", "\"1\"", "\"a\""), Jsonl.Op(1, 0, "ok", "put", "\"1\"", "\"a\""),
            Jsonl.Op(2, 1, "invoke", "get", "null", "\"a\""), Jsonl.Op(3, 1, "ok", "get", "\"2\"", "\"a\""),
            Jsonl.Op(4, 0, "invoke", "put", "\"1\"", "\"b\""), Jsonl.Op(5, 0, "ok", "put", "\"1\"", "\"b\""),
            Jsonl.Op(6, 1, "invoke", "get", "null", "\"b\""), Jsonl.Op(7, 1, "ok", "get", "\"3\"", "\"b\""),
            Jsonl.Op(8, 0, "invoke", "put", "\"1\"", "\"c\""), Jsonl.Op(9, 0, "ok", "put", "\"1\"", "\"c\""),
        };
        var path = dir.Write("kv.jsonl", Jsonl.Lines(lines));
        var run = Cli.Run("check", path, "--model", "kv", "--all-keys", "--json");
        AssertExit(ExitCodes.Invalid, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        var byKey = doc.RootElement.GetProperty("partitions").EnumerateArray()
            .ToDictionary(p => p.GetProperty("key").GetString()!, p => p.GetProperty("validity").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "invalid", ["b"] = "invalid", ["c"] = "valid" }, byKey);
    }

    [Fact]
    public void Check_WithInitialValue_StartsTheModelThere()
    {
        // A lone read of 5: linearizable only if the register starts at 5.
        var path = dir.Write("read5.jsonl", Jsonl.Lines([Jsonl.Op(0, 0, "invoke", "read", "null"), Jsonl.Op(1, 0, "ok", "read", "5")]));
        AssertExit(ExitCodes.Invalid, Cli.Run("check", path, "--model", "register"));
        var run = Cli.Run("check", path, "--model", "register", "--initial-value", "5");
        AssertExit(ExitCodes.Valid, run);
        Assert.Contains("initial value 5", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jsonl")]
    [InlineData("edn")]
    [InlineData("json")]
    public void Check_DetectsTheFormatFromContent(string format)
    {
        var text = format switch
        {
            "jsonl" => Invalid,
            "edn" => "[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok, :f :write, :value 1}\n"
                     + " {:process 1, :type :invoke, :f :read, :value nil}\n {:process 1, :type :ok, :f :read, :value 2}]\n",
            _ => "[" + string.Join(",\n", Jsonl.WriteThenRead(2)) + "]\n",
        };
        var path = dir.Write("history.txt", text);   // the name says nothing about the format
        var run = Cli.Run("check", path, "--json");
        AssertExit(ExitCodes.Invalid, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(format, doc.RootElement.GetProperty("format").GetString());
        AssertExit(ExitCodes.Invalid, Cli.Run("check", path, "--format", format));
    }

    // ------------------------------------------------------------------ truncated input

    [Fact]
    public void Check_WhenTheLastLineIsCutOff_ChecksTheRestAndWarns()
    {
        var cut = Jsonl.Op(4, 2, "invoke", "write", "7")[..25];   // no newline: the writer died mid-line
        var path = dir.Write("crashed.jsonl", Valid + cut);
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.Valid, run);
        Assert.Contains("VALID", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("4 events", run.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("warning: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{path}:5", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("truncated", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithJson_WhenTheLastLineIsCutOff_ListsTheWarning()
    {
        var path = dir.Write("crashed.jsonl", Invalid + "{\"index\":4,\"ti");
        var run = Cli.Run("check", path, "--json");
        AssertExit(ExitCodes.Invalid, run);
        using var doc = JsonDocument.Parse(run.Stdout);   // the warning goes to stderr and into the JSON, not before it
        var warnings = doc.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Single(warnings);
        Assert.Contains($"{path}:5", warnings[0], StringComparison.Ordinal);
        Assert.Contains($"warning: {warnings[0]}", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenTheEmptyFileIsChecked_IsValid()
    {
        var path = dir.Write("empty.jsonl", "");
        AssertExit(ExitCodes.Valid, Cli.Run("check", path));
    }

    // ------------------------------------------------------------------ bad input: 254, naming file, line and field

    private static string WithLine3(string line3)
    {
        var lines = Jsonl.WriteThenRead(1);
        lines[2] = line3;
        return Jsonl.Lines(lines);
    }

    [Fact]
    public void Check_WhenJsonIsBrokenMidFile_Exits254NamingFileAndLine()
    {
        var path = dir.Write("broken.jsonl", WithLine3("{\"index\":2,\"time\":20,\"process\":1,\"type\":"));
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"error: {path}:3: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("JSON", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", run.Stderr, StringComparison.Ordinal);   // a broken line with a newline after it is not a crash
    }

    [Fact]
    public void Check_WhenTypeIsUnknown_Exits254NamingFileLineAndField()
    {
        var path = dir.Write("badtype.jsonl", WithLine3(Jsonl.Op(2, 1, "start", "read", "null")));
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:3: field 'type'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"start\"", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenProcessIsMissing_Exits254NamingFileLineAndField()
    {
        var path = dir.Write("noprocess.jsonl", WithLine3("{\"index\":2,\"time\":20,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}"));
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:3: field 'process': missing", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenEdnIsMalformed_Exits254NamingFileAndLine()
    {
        var path = dir.Write("broken.edn",
            "[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok, :f :read, :value 1 2}]\n");
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.StartsWith($"error: {path}:2: ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenEdnFieldIsBad_Exits254NamingFileLineAndField()
    {
        var path = dir.Write("badprocess.edn",
            "[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok, :f :read, :value 1}\n {:type :invoke, :f :read, :process :bob}]\n");
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:3: field ':process'", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenFileIsMissing_Exits254()
    {
        var path = Path.Combine(dir.Path, "no-such-history.jsonl");
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains(path, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenContentIsNoFormatWeKnow_Exits254()
    {
        var path = dir.Write("notes.txt", "hello\nworld\n");
        var run = Cli.Run("check", path);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:1", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--format", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenTheModelDoesNotKnowTheOps_Exits254NamingFileLineAndField()
    {
        var path = dir.Write("register.jsonl", Valid);
        var run = Cli.Run("check", path, "--model", "mutex");
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:1: field 'f'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("'write'", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenAFormatIsForcedThatDoesNotFit_Exits254NamingFileAndLine()
    {
        var path = dir.Write("history.jsonl", Valid);
        var run = Cli.Run("check", path, "--format", "porcupine-etcd");
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:1", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model", "linearizable-register")]
    [InlineData("--format", "yaml")]
    [InlineData("--timeout", "0")]
    [InlineData("--timeout", "-1")]
    [InlineData("--timeout", "soon")]
    [InlineData("--initial-value", "{:x")]
    [InlineData("--initial-value", "[1")]
    [InlineData("--bogus", "1")]
    public void Check_WhenAnArgumentIsBad_Exits254AndSaysWhich(string option, string value)
    {
        var path = dir.Write("valid.jsonl", Valid);
        var run = Cli.Run("check", path, option, value);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("error: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(option == "--model" || option == "--format" ? value : option, run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e300")]
    public void Check_WhenTimeoutIsNotAFiniteNumberOfSeconds_Exits254(string timeout)
    {
        // A bad argument is the user's to fix (254), not an internal error (255).
        var path = dir.Write("valid.jsonl", Valid);
        var run = Cli.Run("check", path, "--timeout", timeout);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains("--timeout", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1 2")]
    [InlineData("0 (core_test/test-examples: (cas-register 0))")]
    public void Check_WhenInitialValueHasTextAfterTheValue_Exits254(string initial)
    {
        // EDN already refuses text after the value; the JSON fallback must too, or "1 2" silently means 1.
        var path = dir.Write("valid.jsonl", Valid);
        var run = Cli.Run("check", path, "--initial-value", initial);
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains("--initial-value", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("check")]
    [InlineData("verify x.jsonl")]
    public void Run_WhenTheCommandLineIsIncomplete_Exits254(string commandLine)
    {
        var run = Cli.Run(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains("error", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PassesNonAsciiKeysAndValuesThrough()
    {
        var lines = new[]
        {
            Jsonl.Op(0, 0, "invoke", "put", "\"é\"", "\"ключ\""), Jsonl.Op(1, 0, "ok", "put", "\"é\"", "\"ключ\""),
            Jsonl.Op(2, 1, "invoke", "get", "null", "\"ключ\""), Jsonl.Op(3, 1, "ok", "get", "\"😀\"", "\"ключ\""),
        };
        var path = dir.Write("utf8.jsonl", Jsonl.Lines(lines));
        var run = Cli.Run("check", path, "--model", "kv");
        AssertExit(ExitCodes.Invalid, run);
        Assert.Contains("key \"ключ\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"😀\"", run.Stdout, StringComparison.Ordinal);
    }
}
