using System.Text.Json;
using Ddia.Verify.Harness.Cli;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>
/// <c>ddia-verify check FILE --workload W [--consistency-models …]</c>: the transactional and invariant
/// checkers from the command line, with the same exit codes and bad-input rules as the linearizability check.
/// </summary>
public class WorkloadCheckTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    // The two doctors (DDIA fig. 7-8) as list-append: each reads both keys empty and appends to one.
    private const string WriteSkew = """
        {"process":0,"type":"invoke","f":"txn","value":[["r","x",null],["r","y",null],["append","x",1]]}
        {"process":1,"type":"invoke","f":"txn","value":[["r","x",null],["r","y",null],["append","y",1]]}
        {"process":0,"type":"ok","f":"txn","value":[["r","x",[]],["r","y",[]],["append","x",1]]}
        {"process":1,"type":"ok","f":"txn","value":[["r","x",[]],["r","y",[]],["append","y",1]]}
        """;

    private static void AssertExit(int expected, CliRun run) =>
        Assert.True(run.Exit == expected, $"expected exit {expected}; {run}");

    [Fact]
    public void ListAppend_WriteSkew_InvalidForSerializable_WithTheCycleExplained()
    {
        var path = dir.Write("skew.jsonl", WriteSkew);
        var run = Cli.Run("check", path, "--workload", "list-append", "--consistency-models", "serializable");
        AssertExit(ExitCodes.Invalid, run);
        Assert.Contains("verdict   INVALID", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("models    serializable (ruled out)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("anomalies G2-item", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("not       repeatable-read", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("a contradiction!", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{path}:3", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ListAppend_WriteSkew_ValidForSnapshotIsolation()
    {
        var path = dir.Write("skew.jsonl", WriteSkew);
        var run = Cli.Run("check", path, "--workload", "list-append", "--consistency-models", "snapshot-isolation");
        AssertExit(ExitCodes.Valid, run);
        Assert.Contains("G2-item", run.Stdout, StringComparison.Ordinal);   // found and named, but allowed by SI
        Assert.Contains("models    snapshot-isolation (holds)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_ListsAnomaliesAndRuledOutModels()
    {
        var path = dir.Write("skew.jsonl", WriteSkew);
        var run = Cli.Run("check", path, "--workload", "list-append", "--json");
        AssertExit(ExitCodes.Invalid, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal("invalid", doc.RootElement.GetProperty("valid").GetString());
        Assert.Contains("repeatable-read", doc.RootElement.GetProperty("not").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("G2-item", doc.RootElement.GetProperty("anomaly-types").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void BadMicroOp_Exits254NamingFileLineAndField()
    {
        var path = dir.Write("bad.jsonl", """
            {"process":0,"type":"invoke","f":"txn","value":[["append","x",1]]}
            {"process":0,"type":"ok","f":"txn","value":[["append","x",1],["frobnicate","x",2]]}
            """);
        var run = Cli.Run("check", path, "--workload", "list-append");
        AssertExit(ExitCodes.BadInput, run);
        Assert.Contains($"{path}:2", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("value[1]", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("frobnicate", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownModelOrWorkload_Exits254()
    {
        var path = dir.Write("skew.jsonl", WriteSkew);
        var model = Cli.Run("check", path, "--workload", "list-append", "--consistency-models", "serialisable");
        AssertExit(ExitCodes.BadInput, model);
        Assert.Contains("unknown model 'serialisable'", model.Stderr, StringComparison.Ordinal);
        var workload = Cli.Run("check", path, "--workload", "graph");
        AssertExit(ExitCodes.BadInput, workload);
        Assert.Contains("list-append, rw-register, bank, set, set-eventual, counter, on-call", workload.Stderr, StringComparison.Ordinal);
        AssertExit(ExitCodes.BadInput, Cli.Run("check", path, "--consistency-models", "serializable"));
    }

    [Fact]
    public void RwRegister_CorpusG1a_Exits1()
    {
        var run = Cli.Run("check", Path.Combine(Repo.Corpora, "elle", "elle-cli/test-data/rw-register-anomaly-g1a-aborted-read.json"), "--workload", "rw-register");
        AssertExit(ExitCodes.Invalid, run);
        Assert.Contains("anomalies G1a, empty-transaction-graph", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("not       read-committed", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Counter_ReadOutsideTheBounds_Exits1()
    {
        var path = dir.Write("counter.jsonl", """
            {"process":0,"type":"invoke","f":"add","value":1}
            {"process":0,"type":"ok","f":"add","value":1}
            {"process":1,"type":"invoke","f":"read","value":null}
            {"process":1,"type":"ok","f":"read","value":5}
            """);
        var run = Cli.Run("check", path, "--workload", "counter");
        AssertExit(ExitCodes.Invalid, run);
        Assert.Contains("out-of-bounds", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_EveryAcknowledgedAddRead_Exits0()
    {
        var path = dir.Write("set.jsonl", """
            {"process":0,"type":"invoke","f":"add","value":1}
            {"process":0,"type":"ok","f":"add","value":1}
            {"process":1,"type":"invoke","f":"read","value":null}
            {"process":1,"type":"ok","f":"read","value":[1]}
            """);
        AssertExit(ExitCodes.Valid, Cli.Run("check", path, "--workload", "set"));
    }
}
