using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Tests.Run;

/// <summary>
/// The whole pipeline in one process (Jepsen's basic-cas-test): real generators, real time, real
/// concurrency, the history streamed to disk and read back, then checked. The system is an in-memory
/// register; a broken variant serves stale reads and must be caught.
/// </summary>
public class AtomEndToEndTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    /// <summary>A register shared by every client; each op takes effect at one instant, under the lock.</summary>
    private sealed class Atom
    {
        private readonly Lock gate = new();
        private long? value;
        private long? previous;

        public Op Apply(Op op, bool stale)
        {
            lock (gate)
            {
                switch (op.F)
                {
                    case "read":
                        // The broken store answers from before the latest write: a stale read.
                        var seen = stale ? previous : value;
                        return op with { Type = OpType.Ok, Value = seen is { } v ? Value.Of(v) : Value.Nil };
                    case "write":
                        (previous, value) = (value, op.Value.AsLong);
                        return op with { Type = OpType.Ok };
                    default:
                        var (from, to) = (op.Value.Items[0].AsLong, op.Value.Items[1].AsLong);
                        if (value != from) return op with { Type = OpType.Fail };
                        (previous, value) = (value, to);
                        return op with { Type = OpType.Ok };
                }
            }
        }
    }

    private sealed class AtomClient(Atom atom, bool stale, int seed) : IClient
    {
        private readonly Random random = new(seed);

        public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation) =>
            ValueTask.FromResult<IClient>(new AtomClient(atom, stale, seed * 31 + node.Name.Length));

        public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
        {
            // Latency before and after the instant the op takes effect, so ops overlap for real.
            await Task.Delay(random.Next(0, 2), cancellation);
            var done = atom.Apply(invocation, stale);
            await Task.Delay(random.Next(0, 2), cancellation);
            return done;
        }

        public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
        public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
        public ValueTask CloseAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;
    }

    private static IGenerator Workload(int ops) => Gen.Clients(Gen.Limit(ops, Gen.Mix(
        Gen.Repeat(new OpTemplate("read")),
        Gen.Ops((_, random) => new OpTemplate("write", Value.Of(random.Next(5)))),
        Gen.Ops((_, random) => new OpTemplate("cas", Value.List(Value.Of(random.Next(5)), Value.Of(random.Next(5))))))));

    private async Task<(HistoryFile File, CheckResult Result)> RunAsync(bool stale, string name)
    {
        var nodes = ImmutableArray.Create(new Node("n1", "in-process"), new Node("n2", "in-process"));
        var test = new TestContext(name, nodes, Seed: 7, TimeProvider.System);
        var prototype = new AtomClient(new Atom(), stale, 1);
        var clients = new List<IClient>();
        for (var i = 0; i < 5; i++) clients.Add(await prototype.OpenAsync(test, nodes[i % nodes.Length], CancellationToken.None));

        var path = Path.Combine(dir.Path, name + ".jsonl");
        using (var recorder = new HistoryRecorder(JsonlHistoryWriter.Create(path)))
            await Interpreter.RunAsync(test, Workload(600), clients, NoopNemesis.Instance, recorder, TimeSpan.FromSeconds(5), CancellationToken.None);

        var file = HistoryReader.Read(path);
        var checker = new LinearizabilityChecker(ModelCatalog.Create("cas-register", null, file.Conventions));
        return (file, checker.Check(file.History, new CheckOptions { Timeout = TimeSpan.FromSeconds(30) }));
    }

    [Fact]
    public async Task Run_WhenTheRegisterIsAtomic_RecordsEveryOpAndIsLinearizable()
    {
        var (file, result) = await RunAsync(stale: false, "atomic");

        Assert.Equal(1200, file.History.Count);   // 600 invocations, each completed
        Assert.Empty(file.History.Problems);
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => (long)i), file.History.Select(o => o.Index));
        Assert.True(file.History.Zip(file.History.Skip(1)).All(p => p.First.Time <= p.Second.Time), "times must not go back");
        Assert.True(result.Validity == Validity.Valid, string.Join("\n", result.Anomalies.Select(a => a.Explanation)));
    }

    [Fact]
    public async Task Run_WhenReadsAreStale_IsCaughtAsNotLinearizable()
    {
        var (_, result) = await RunAsync(stale: true, "stale");

        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Contains(result.Anomalies, a => a.Kind == "nonlinearizable");
    }
}
