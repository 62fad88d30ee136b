using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Run;

/// <summary>What a caller may watch while a run goes: every recorded op, and the phase the run is in.</summary>
public sealed record RunHooks
{
    public Action<Op>? OnOp { get; init; }

    /// <summary>"environment", "setup", "running", "teardown", "logs", "checking", "done".</summary>
    public Action<string>? OnPhase { get; init; }

    /// <summary>Called once the run's store directory exists (before any op), for example to print where it is.</summary>
    public Action<RunStore>? OnStore { get; init; }
}

/// <summary>
/// Runs a test as nested scopes (STYLE.md G11): the environment, the system on every node, then clients
/// and nemesis, then the generator; tears everything down in reverse (also after a failure or Ctrl-C),
/// collects the nodes' log files, and checks the history only after teardown. A watchdog ends a run that
/// outlives its time limit plus grace: the run is recorded as crashed, never lost, since the history was
/// streamed to disk as it went.
/// </summary>
public static class Runner
{
    /// <summary>How long checking an interrupted run's partial history may take before it says unknown.</summary>
    private static readonly TimeSpan InterruptedCheckLimit = TimeSpan.FromSeconds(30);

    public static async Task<(RunStore Store, RunOutcome Outcome)> RunAsync(TestSpec spec, string storeRoot, TimeProvider time,
        CancellationToken cancellation, RunHooks? hooks = null)
    {
        hooks ??= new RunHooks();
        var startedAt = time.GetUtcNow();
        var store = RunStore.Create(storeRoot, spec.Name, startedAt);
        store.WriteTest(spec);
        hooks.OnStore?.Invoke(store);
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        watchdog.CancelAfter(spec.TimeLimit + spec.Grace);

        string status = "ok";
        string? error = null;
        var limitations = new List<string>();
        using var recorder = new HistoryRecorder(JsonlHistoryWriter.Create(store.HistoryPath), hooks.OnOp);
        try
        {
            await RunEnvironmentAsync(spec, store, time, recorder, hooks, limitations, watchdog.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            (status, error) = ("interrupted", "interrupted (Ctrl-C): every fault was healed and the cluster torn down");
        }
        catch (OperationCanceledException)
        {
            (status, error) = ("crashed", $"the watchdog ended the run after {(spec.TimeLimit + spec.Grace).TotalSeconds:0} s");
        }
        catch (Exception e)
        {
            (status, error) = ("crashed", $"{e.GetType().Name}: {e.Message}");
        }

        hooks.OnPhase?.Invoke("checking");
        var history = new Ddia.Verify.History.History(recorder.Ops);
        var options = status == "interrupted" ? new CheckOptions { Timeout = InterruptedCheckLimit } : new CheckOptions();
        var result = spec.Checker.CheckSafe(history, options, CancellationToken.None);
        var outcome = new RunOutcome(status, result, error, spec.Seed, recorder.Ops.Count)
        {
            Limitations = [.. limitations],
            Elapsed = time.GetUtcNow() - startedAt,
            OkClientOps = recorder.Ops.Count(o => o.IsClient && o.Type == Ddia.Verify.History.OpType.Ok),
        };
        store.WriteResults(outcome);
        hooks.OnPhase?.Invoke("report");
        store.WriteReport(spec, outcome, history, startedAt);
        hooks.OnPhase?.Invoke("done");
        return (store, outcome);
    }

    private static async Task RunEnvironmentAsync(TestSpec spec, RunStore store, TimeProvider time, HistoryRecorder recorder, RunHooks hooks,
        List<string> limitations, CancellationToken cancellation)
    {
        hooks.OnPhase?.Invoke("environment");
        EnvironmentSession? session = null;
        try
        {
            TestContext test;
            if (spec.Environment is { } environment)
            {
                session = await environment.OpenAsync(spec.Name, spec.NodeCount, cancellation);
                limitations.AddRange(session.Limitations);
                test = new TestContext(spec.Name, session.Nodes, spec.Seed, time) { Remote = session.Remote, StoreDirectory = store.Directory };
                store.WriteNodes(session.Nodes);
            }
            else
            {
                test = new TestContext(spec.Name, spec.Nodes, spec.Seed, time) { StoreDirectory = store.Directory };
            }
            await RunSystemAsync(spec, test, store, recorder, hooks, cancellation);
        }
        finally
        {
            if (session is not null) await session.DisposeAsync();
        }
    }

    private static async Task RunSystemAsync(TestSpec spec, TestContext test, RunStore store, HistoryRecorder recorder, RunHooks hooks,
        CancellationToken cancellation)
    {
        try
        {
            hooks.OnPhase?.Invoke("setup");
            await Task.WhenAll(test.Nodes.Select(n => spec.Db.SetupAsync(test, n, cancellation).AsTask()));
            var clients = new List<IClient>();
            INemesis? nemesis = null;
            try
            {
                for (var i = 0; i < spec.Workers; i++)
                    clients.Add(await spec.Client.OpenAsync(test, test.Nodes[i % test.Nodes.Length], cancellation));
                if (clients.Count > 0) await clients[0].SetupAsync(test, cancellation);
                nemesis = await spec.Nemesis.SetupAsync(test, cancellation);
                hooks.OnPhase?.Invoke("running");
                // Status samples and op times share one zero, so the report can lay them over each other.
                var start = test.Time.GetTimestamp();
                await using var sampler = StatusSampler.Start(spec.Db, test, store.StatusPath, start);
                await Interpreter.RunAsync(test, spec.Generator, clients, nemesis, recorder, spec.OpTimeout, cancellation, start);
            }
            finally
            {
                hooks.OnPhase?.Invoke("teardown");
                // Heal first, with no cancellation: faults must not outlive the run.
                if (nemesis is not null) await nemesis.TeardownAsync(test, CancellationToken.None);
                if (clients.Count > 0) await clients[0].TeardownAsync(test, CancellationToken.None);
                foreach (var c in clients) await c.CloseAsync(test, CancellationToken.None);
            }
        }
        finally
        {
            await Task.WhenAll(test.Nodes.Select(n => spec.Db.TeardownAsync(test, n, CancellationToken.None).AsTask()));
            hooks.OnPhase?.Invoke("logs");
            await CollectLogsAsync(spec.Db, test, store);
        }
    }

    /// <summary>Copies every node's log files into the store, also after a failed run; a missing file is noted, not fatal.</summary>
    private static async Task CollectLogsAsync(IDb db, TestContext test, RunStore store)
    {
        if (db is not IHasLogFiles logs) return;
        foreach (var node in test.Nodes)
        {
            foreach (var (remote, name) in logs.LogFiles(test, node))
            {
                var local = store.LogPath(node.Name, name);
                try
                {
                    await test.Remote.DownloadAsync(node, remote, local, CancellationToken.None);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or RemoteCommandException)
                {
                    await File.WriteAllTextAsync(local + ".missing", $"could not collect {remote} from {node.Name}: {e.Message}\n");
                }
            }
        }
    }
}
