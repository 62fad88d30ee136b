using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Run;

/// <summary>
/// Runs a test as nested scopes (STYLE.md G11): the system on every node, then clients and nemesis,
/// then the generator; tears everything down in reverse (also after a failure), and checks the history
/// only after teardown. A watchdog ends a run that outlives its time limit plus grace: the run is
/// recorded as crashed, never lost, since the history was streamed to disk as it went.
/// </summary>
public static class Runner
{
    public static async Task<(RunStore Store, RunOutcome Outcome)> RunAsync(TestSpec spec, string storeRoot, TimeProvider time, CancellationToken cancellation)
    {
        var store = RunStore.Create(storeRoot, spec.Name, time.GetUtcNow());
        store.WriteTest(spec);
        var test = new TestContext(spec.Name, spec.Nodes, spec.Seed, time);
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        watchdog.CancelAfter(spec.TimeLimit + spec.Grace);

        string? crash = null;
        using var recorder = new HistoryRecorder(JsonlHistoryWriter.Create(store.HistoryPath));
        try
        {
            await RunScopesAsync(spec, test, recorder, watchdog.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            crash = $"the watchdog ended the run after {(spec.TimeLimit + spec.Grace).TotalSeconds:0} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            crash = $"{e.GetType().Name}: {e.Message}";
        }

        var history = new Ddia.Verify.History.History(recorder.Ops);
        var result = spec.Checker.CheckSafe(history, new CheckOptions(), cancellation);
        var outcome = new RunOutcome(crash is null ? "ok" : "crashed", result, crash, spec.Seed, recorder.Ops.Count);
        store.WriteResults(outcome);
        return (store, outcome);
    }

    private static async Task RunScopesAsync(TestSpec spec, TestContext test, HistoryRecorder recorder, CancellationToken cancellation)
    {
        try
        {
            await Task.WhenAll(spec.Nodes.Select(n => spec.Db.SetupAsync(test, n, cancellation).AsTask()));
            var clients = new List<IClient>();
            INemesis? nemesis = null;
            try
            {
                for (var i = 0; i < spec.Workers; i++)
                    clients.Add(await spec.Client.OpenAsync(test, spec.Nodes[i % spec.Nodes.Length], cancellation));
                if (clients.Count > 0) await clients[0].SetupAsync(test, cancellation);
                nemesis = await spec.Nemesis.SetupAsync(test, cancellation);
                await Interpreter.RunAsync(test, spec.Generator, clients, nemesis, recorder, spec.OpTimeout, cancellation);
            }
            finally
            {
                // Heal first, with no cancellation: faults must not outlive the run.
                if (nemesis is not null) await nemesis.TeardownAsync(test, CancellationToken.None);
                if (clients.Count > 0) await clients[0].TeardownAsync(test, CancellationToken.None);
                foreach (var c in clients) await c.CloseAsync(test, CancellationToken.None);
            }
        }
        finally
        {
            await Task.WhenAll(spec.Nodes.Select(n => spec.Db.TeardownAsync(test, n, CancellationToken.None).AsTask()));
        }
    }
}
