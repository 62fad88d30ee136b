using System.Collections.Immutable;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;
using CliRunner = Ddia.Verify.Harness.Tests.Cli.Cli;

namespace Ddia.Verify.Harness.Tests.Run;

/// <summary>The runner's scopes and store: what a run leaves behind, and that it can be checked again offline.</summary>
public class RunnerTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    /// <summary>Counts setups and teardowns, to see that every scope is closed.</summary>
    private sealed class CountingDb : IDb
    {
        public int Setups, Teardowns;
        public ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation) { Interlocked.Increment(ref Setups); return ValueTask.CompletedTask; }
        public ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation) { Interlocked.Increment(ref Teardowns); return ValueTask.CompletedTask; }
    }

    /// <summary>A register client over one shared value; reads can be made to hang forever.</summary>
    private sealed class RegisterClient(StrongBox<long?> cell, bool hangOnRead) : IClient
    {
        public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.FromResult<IClient>(this);
        public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
        {
            if (invocation.F == "read")
            {
                if (hangOnRead) await Task.Delay(Timeout.Infinite, CancellationToken.None);   // ignores cancellation, as a stuck client would
                lock (cell) return invocation with { Type = OpType.Ok, Value = cell.Value is { } v ? Value.Of(v) : Value.Nil };
            }
            lock (cell) cell.Value = invocation.Value.AsLong;
            await Task.Yield();
            return invocation with { Type = OpType.Ok };
        }
        public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
        public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
        public ValueTask CloseAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }

    private static TestSpec Spec(string name, IDb db, bool hang, int ops) => new()
    {
        Name = name,
        Nodes = [new Node("n1", "in-process"), new Node("n2", "in-process"), new Node("n3", "in-process")],
        Db = db,
        Client = new RegisterClient(new StrongBox<long?>(null), hang),
        Generator = Gen.Clients(Gen.Limit(ops, Gen.Mix(
            Gen.Repeat(new OpTemplate("read")),
            Gen.Ops((_, random) => new OpTemplate("write", Value.Of(random.Next(3))))))),
        Checker = new LinearizabilityChecker(ModelCatalog.Create("register")),
        Check = new CheckSettings { Model = "register" },
        Seed = 42,
        TimeLimit = TimeSpan.FromSeconds(1),
        Grace = TimeSpan.FromSeconds(1),
        OpTimeout = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task Run_LeavesHistoryTestAndResults_AndTheRunDirectoryChecksAgain()
    {
        var db = new CountingDb();
        var root = Path.Combine(dir.Path, "store");
        var (store, outcome) = await Runner.RunAsync(Spec("register", db, hang: false, ops: 300), root, TimeProvider.System, CancellationToken.None);

        Assert.Equal("ok", outcome.Status);
        Assert.Equal(Validity.Valid, outcome.Result!.Validity);
        Assert.Equal((3, 3), (db.Setups, db.Teardowns));
        Assert.Equal(600, HistoryReader.Read(store.HistoryPath).History.Count);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(store.Directory, RunStore.ResultsFile)));
        Assert.Equal("valid", results.RootElement.GetProperty("validity").GetString());
        // The report is written beside them, and shows the verdict.
        Assert.Contains("linearizable", File.ReadAllText(store.ReportPath), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(store.Directory, "latency.png")));
        Assert.Equal(42UL, results.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal(Path.GetFullPath(store.Directory), Path.GetFullPath(Path.Combine(root, new FileInfo(Path.Combine(root, "latest")).LinkTarget!)));

        // Offline, from the run directory alone (and through store/latest): same verdict, model from test.json.
        var again = CliRunner.Run("check", Path.Combine(root, "latest"));
        Assert.True(again.Exit == ExitCodes.Valid, again.ToString());
        Assert.Matches(@"model +register\r?\n", again.Stdout);   // from test.json, not inferred
    }

    [Fact]
    public async Task Run_WhenAClientHangsPastTheTimeLimit_IsRecordedAsCrashedWithItsHistoryKept()
    {
        var db = new CountingDb();
        var root = Path.Combine(dir.Path, "store-hang");
        var spec = Spec("hang", db, hang: true, ops: 50) with { OpTimeout = TimeSpan.FromSeconds(30) };   // longer than the watchdog
        var (store, outcome) = await Runner.RunAsync(spec, root, TimeProvider.System, CancellationToken.None);

        Assert.Equal("crashed", outcome.Status);
        Assert.Contains("watchdog", outcome.Error, StringComparison.Ordinal);
        Assert.Equal((3, 3), (db.Setups, db.Teardowns));   // torn down all the same
        var history = HistoryReader.Read(store.HistoryPath).History;
        Assert.Equal(outcome.Ops, history.Count);
        Assert.Contains(history, o => o.F == "read" && o.IsInvoke);   // the hung op's invocation was recorded
        // Nothing in what was recorded is wrong, but a run that never finished vouches for nothing: unknown, not valid.
        Assert.Equal(Validity.Unknown, outcome.Result!.Validity);
        Assert.Contains("the run crashed after", outcome.Result.Error, StringComparison.Ordinal);
    }
}
