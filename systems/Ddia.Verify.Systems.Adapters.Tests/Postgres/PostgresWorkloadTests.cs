using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Postgres;
using Ddia.Verify.Systems.Adapters.Tests.Raft;
using Ddia.Verify.Workloads.Transactions;
using Xunit.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Tests.Postgres;

/// <summary>
/// Short list-append runs through <see cref="PostgresClient"/> against a real PostgreSQL 15, judged by the real
/// <see cref="TransactionalChecker"/>: each isolation level must not show what it forbids (Hermitage's PostgreSQL
/// row). Whether the anomalies a level allows show up in a few hundred transactions is chance; the output says.
/// </summary>
[Trait("Category", "Process")]
public sealed class PostgresWorkloadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(15);

    // What PostgreSQL never shows at any level (it has no dirty reads or writes), and what a snapshot adds (read
    // committed reads each statement from a new snapshot, so a transaction may read a key twice and differ: internal).
    private static readonly string[] NeverG1 = ["G0", "G1a", "G1b", "G1c", "duplicate-elements", "garbage-read"];
    private static readonly string[] NeverUnderSnapshots = [.. NeverG1, "internal", "lost-update", "G-single", "G-single-item", "future-read"];

    [Theory]
    [InlineData("read-committed")]
    [InlineData("repeatable-read")]
    [InlineData("serializable")]
    public async Task ListAppend_EachLevelShowsNothingItForbids(string isolation)
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        // Three hot keys and long transactions: clients collide often, as Hermitage's sessions do. SERIALIZABLE aborts
        // about 70 % of them, so 700 transactions leave some 200 commits to judge (400 once left 95 on a loaded machine).
        var workload = TxnWorkloads.ListAppend(new TxnOptions { ActiveKeys = 3, MinLength = 2, MaxLength = 5, ConsistencyModels = ["serializable"] });

        var history = await RealTimeRunner.RunAsync(cluster.Test, new PostgresClient(cluster.ClientOptions(isolation)),
            Gen.Limit(700, workload.Generator), concurrency: 10, OpTimeout);

        var ok = history.Count(o => o.Type == OpType.Ok);
        var failed = history.Count(o => o.Type == OpType.Fail);
        var result = (TxnCheckResult)workload.Checker.Check(history, new CheckOptions()).Detail!;
        output.WriteLine($"{isolation}: {ok} committed, {failed} failed, {history.Count(o => o.Type == OpType.Info)} info; anomalies: [{string.Join(", ", result.AnomalyTypes)}]");
        Assert.True(ok > 100, $"too few commits ({ok})\n{cluster.Logs()}");
        Assert.DoesNotContain(history, o => o.Type == OpType.Info);
        switch (isolation)
        {
            case "read-committed":
                Assert.Empty(result.AnomalyTypes.Intersect(NeverG1));
                break;
            case "repeatable-read":
                Assert.Empty(result.AnomalyTypes.Intersect(NeverUnderSnapshots));
                Assert.Equal(Validity.Valid, result.VerdictFor("snapshot-isolation"));
                // First committer wins: concurrent appends to one key abort all but one.
                Assert.Contains(history, o => o.Type == OpType.Fail && o.Error!.AsText!.StartsWith("serialization-failure", StringComparison.Ordinal));
                break;
            default:
                Assert.Empty(result.AnomalyTypes);
                break;
        }
    }

    [Theory]
    [InlineData("repeatable-read")]
    [InlineData("serializable")]
    public async Task Bank_TotalIsPreservedWhereWritesConflict(string isolation)
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        var options = new BankWorkloadOptions { Accounts = 5, InitialBalance = 20 };
        var workload = BankWorkload.Create(options);
        var client = new PostgresClient(cluster.ClientOptions(isolation).ForBank(options));
        await client.SetupAsync(cluster.Test, CancellationToken.None);

        var history = await RealTimeRunner.RunAsync(cluster.Test, client, Gen.Limit(200, workload.Generator), concurrency: 8, OpTimeout);

        output.WriteLine($"bank {isolation}: {history.Count(o => o.F == BankWorkload.Transfer && o.Type == OpType.Ok)} transfers, " +
                         $"{history.Count(o => o.Type == OpType.Fail)} failed");
        Assert.Contains(history, o => o.F == BankWorkload.Transfer && o.Type == OpType.Ok);
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.True(result.Validity == Validity.Valid, string.Join("; ", result.Anomalies.Select(a => a.Explanation)));
    }

    [Theory]
    [InlineData("repeatable-read", false)]
    [InlineData("serializable", true)]
    public async Task OnCall_WriteSkewEmptiesShiftsUnderSnapshotIsolationOnly(string isolation, bool valid)
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        var options = new OnCallWorkloadOptions { Shifts = 20, OpsPerShift = 10, DoctorsPerShift = 2, ReadFraction = 0.1 };
        var workload = OnCallWorkload.Create(options);
        var client = new PostgresClient(cluster.ClientOptions(isolation).ForOnCall(options));
        await client.SetupAsync(cluster.Test, CancellationToken.None);

        var history = await RealTimeRunner.RunAsync(cluster.Test, client, workload.Generator, concurrency: 8, OpTimeout);

        var result = workload.Checker.Check(history, new CheckOptions());
        output.WriteLine($"on-call {isolation}: {history.Count(o => o.F == OnCallWorkload.GoOffCall && o.Type == OpType.Ok)} went off call, " +
                         $"{result.Anomalies.Length} anomalies");
        Assert.Contains(history, o => o.F == OnCallWorkload.GoOffCall && o.Type == OpType.Ok);
        Assert.Equal(valid ? Validity.Valid : Validity.Invalid, result.Validity);
    }
}
