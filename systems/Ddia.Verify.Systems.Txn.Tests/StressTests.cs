using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Txn;
using Xunit.Abstractions;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Systems.Txn.Tests;

/// <summary>
/// Concurrent list-append workloads against each isolation level, recorded as real histories and judged by our
/// Elle-style checker: the strong levels must be serializable; snapshot isolation must hold SI and show write skew;
/// read committed must hold RC and show lost updates and read skew.
/// </summary>
public sealed class StressTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private const int TxnsPerClient = 250;
    private const int Keys = 4;

    /// <summary>The first seed; set DDIA_TXN_SEED to replay a failure (STYLE.md G19).</summary>
    private static readonly int BaseSeed = int.TryParse(Environment.GetEnvironmentVariable("DDIA_TXN_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 1;

    internal sealed record Run(HistoryList History, int Committed, int Aborted, TimeSpan Elapsed, Dictionary<AbortReason, int> Reasons);

    /// <summary>Runs the workload and records invoke/ok/fail events, in the order they happen, under one lock.</summary>
    internal static async Task<Run> RunAsync(Isolation isolation, int seed, bool fsync = true)
    {
        using var db = new TempStore(isolation, fsync: fsync);
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        var events = new List<Op>();
        var reasons = new Dictionary<AbortReason, int>();
        long nextValue = 0;
        var (committed, aborted) = (0, 0);

        void Record(OpType type, int process, Value value)
        {
            lock (events)
            {
                var nanos = (long)(time.GetElapsedTime(start).TotalMilliseconds * 1_000_000);
                events.Add(new Op(events.Count, nanos, type, process, "txn", value));
            }
        }

        async Task ClientAsync(int process)
        {
            var random = new Random(seed * 1000 + process);
            for (var i = 0; i < TxnsPerClient; i++)
            {
                var ops = new List<(bool Read, string Key, long Value)>();
                var n = random.Next(1, 5);
                for (var j = 0; j < n; j++)
                {
                    var key = "k" + random.Next(Keys).ToString(CultureInfo.InvariantCulture);
                    var read = random.Next(2) == 0;
                    ops.Add((read, key, read ? 0 : Interlocked.Increment(ref nextValue)));
                }
                Record(OpType.Invoke, process, Encode(ops, null));
                var results = new IReadOnlyList<long>?[ops.Count];
                var txn = db.Store.Begin();
                try
                {
                    for (var j = 0; j < ops.Count; j++)
                    {
                        await Task.Yield();   // let other clients interleave between micro-ops
                        if (ops[j].Read) results[j] = await txn.ReadAsync(ops[j].Key);
                        else await txn.AppendAsync(ops[j].Key, ops[j].Value);
                    }
                    await txn.CommitAsync();
                    Record(OpType.Ok, process, Encode(ops, results));
                    Interlocked.Increment(ref committed);
                }
                catch (TransactionAbortedException e)
                {
                    Record(OpType.Fail, process, Encode(ops, null));
                    Interlocked.Increment(ref aborted);
                    lock (reasons) reasons[e.Reason] = reasons.GetValueOrDefault(e.Reason) + 1;
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(p => Task.Run(() => ClientAsync(p))));
        return new Run(new HistoryList(events), committed, aborted, clock.Elapsed, reasons);
    }

    private static Value Encode(List<(bool Read, string Key, long Value)> ops, IReadOnlyList<long>?[]? results) =>
        Value.List(ImmutableArray.CreateRange(ops.Select((op, j) => op.Read
            ? Value.List(Value.Keyword("r"), Value.Of(op.Key), results is null ? Value.Nil : Value.List(ImmutableArray.CreateRange((results[j] ?? []).Select(Value.Of))))
            : Value.List(Value.Keyword("append"), Value.Of(op.Key), Value.Of(op.Value)))));

    private TxnCheckResult Check(Isolation isolation, int seed, Run run, params string[] models)
    {
        var result = new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = models }).Analyze(run.History);
        var total = run.Committed + run.Aborted;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{isolation} seed {seed}: {total} txns in {run.Elapsed.TotalMilliseconds:F0} ms ({total / run.Elapsed.TotalSeconds:F0} txn/s), " +
            $"aborted {run.Aborted} ({100.0 * run.Aborted / total:F1}%: {string.Join(", ", run.Reasons.Select(r => $"{r.Key} {r.Value}"))}); " +
            $"anomalies [{string.Join(", ", result.AnomalyTypes)}]"));
        return result;
    }

    [Theory]
    [InlineData(Isolation.Serial)]
    [InlineData(Isolation.TwoPhaseLocking)]
    [InlineData(Isolation.Serializable)]
    public async Task StrongLevels_AreStrictSerializable(Isolation isolation)
    {
        var seed = BaseSeed;
        var run = await RunAsync(isolation, seed);
        var result = Check(isolation, seed, run, "strict-serializable");
        Assert.True(run.Committed > Clients * TxnsPerClient / 4, $"seed {seed}: only {run.Committed} commits");
        var why = $"seed {seed} (DDIA_TXN_SEED): [{string.Join(", ", result.AnomalyTypes)}]";
        Assert.True(Validity.Valid == result.VerdictFor("serializable"), why);
        Assert.True(Validity.Valid == result.VerdictFor("strict-serializable"), why);
        Assert.True(result.AnomalyTypes.Count == 0, why);
    }

    [Fact]
    public async Task Snapshot_HoldsSnapshotIsolation_AndShowsWriteSkew()
    {
        var anomalies = new HashSet<string>();
        foreach (var seed in new[] { BaseSeed, BaseSeed + 1, BaseSeed + 2 })
        {
            var run = await RunAsync(Isolation.Snapshot, seed);
            var result = Check(Isolation.Snapshot, seed, run, "snapshot-isolation");
            Assert.True(Validity.Valid == result.VerdictFor("snapshot-isolation"), $"seed {seed}: [{string.Join(", ", result.AnomalyTypes)}]");
            Assert.DoesNotContain("lost-update", result.AnomalyTypes);
            anomalies.UnionWith(result.AnomalyTypes);
            if (anomalies.Contains("G2-item")) break;
        }
        Assert.True(anomalies.Contains("G2-item"), $"seeds from {BaseSeed}: no write skew in [{string.Join(", ", anomalies)}]");
    }

    [Fact]
    public async Task ReadCommitted_HoldsReadCommitted_AndShowsLostUpdateAndReadSkew()
    {
        var anomalies = new HashSet<string>();
        foreach (var seed in new[] { BaseSeed, BaseSeed + 1, BaseSeed + 2 })
        {
            var run = await RunAsync(Isolation.ReadCommitted, seed);
            var result = Check(Isolation.ReadCommitted, seed, run, "read-committed");
            Assert.True(Validity.Valid == result.VerdictFor("read-committed"), $"seed {seed}: [{string.Join(", ", result.AnomalyTypes)}]");
            anomalies.UnionWith(result.AnomalyTypes);
            if (anomalies.Contains("lost-update") && anomalies.Contains("G-single-item")) break;
        }
        Assert.True(anomalies.Contains("lost-update") && anomalies.Contains("G-single-item"), $"seeds from {BaseSeed}: [{string.Join(", ", anomalies)}]");
    }
}
