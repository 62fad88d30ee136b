using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Tests.Raft;
using Ddia.Verify.Systems.Adapters.Txn;
using Ddia.Verify.Workloads.Transactions;

namespace Ddia.Verify.Systems.Adapters.Tests.Txn;

/// <summary>
/// The transactional workloads through <see cref="TxnClient"/> against a real ddia-node <c>--system txn</c>, judged by
/// their checkers: each isolation level must give what it promises, and no more.
/// </summary>
[Trait("Category", "Process")]
public sealed class TxnWorkloadTests
{
    private static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("serializable", "strict-serializable")]
    [InlineData("2pl", "strict-serializable")]
    [InlineData("serial", "strict-serializable")]
    [InlineData("snapshot", "strong-snapshot-isolation")]
    [InlineData("read-committed", "read-committed")]
    public async Task ListAppend_EachLevelKeepsItsPromise(string isolation, string model)
    {
        await using var cluster = await TxnTestCluster.StartAsync(isolation);
        var workload = TxnWorkloads.ListAppend(new TxnOptions { ActiveKeys = 3, ConsistencyModels = [model] });

        var history = await RealTimeRunner.RunAsync(cluster.Test, new TxnClient(cluster.Db.Options.ClientOptions),
            Gen.Limit(300, workload.Generator), concurrency: 6, OpTimeout);

        Assert.True(history.Count(o => o.Type == OpType.Ok) > 100, $"too few commits\n{cluster.Logs()}");
        var result = (TxnCheckResult)workload.Checker.Check(history, new CheckOptions()).Detail!;
        Assert.True(result.Validity == Validity.Valid, $"{isolation}: {string.Join(", ", result.AnomalyTypes)}");
        if (isolation is "serializable" or "2pl" or "serial") Assert.Empty(result.AnomalyTypes);
    }

    [Fact]
    public async Task Bank_TotalIsPreservedUnderSnapshotIsolation()
    {
        await using var cluster = await TxnTestCluster.StartAsync("snapshot");
        var options = new BankWorkloadOptions { Accounts = 5, InitialBalance = 20 };
        var workload = BankWorkload.Create(options);
        var client = new TxnClient(cluster.Db.Options.ClientOptions.ForBank(options));
        await client.SetupAsync(cluster.Test, CancellationToken.None);

        var history = await RealTimeRunner.RunAsync(cluster.Test, client, Gen.Limit(200, workload.Generator), concurrency: 5, OpTimeout);

        Assert.Contains(history, o => o.F == BankWorkload.Transfer && o.Type == OpType.Ok);
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.True(result.Validity == Validity.Valid, string.Join("; ", result.Anomalies.Select(a => a.Explanation)));
    }

    [Theory]
    [InlineData("serializable")]
    [InlineData("2pl")]
    public async Task OnCall_NoShiftIsLeftEmpty_WhereWriteSkewIsPrevented(string isolation)
    {
        await using var cluster = await TxnTestCluster.StartAsync(isolation);
        var options = new OnCallWorkloadOptions { Shifts = 10, OpsPerShift = 10 };
        var workload = OnCallWorkload.Create(options);
        var client = new TxnClient(cluster.Db.Options.ClientOptions.ForOnCall(options));
        await client.SetupAsync(cluster.Test, CancellationToken.None);

        var history = await RealTimeRunner.RunAsync(cluster.Test, client, workload.Generator, concurrency: 5, OpTimeout);

        Assert.Contains(history, o => o.F == OnCallWorkload.GoOffCall && o.Type == OpType.Ok);
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.True(result.Validity == Validity.Valid, string.Join("; ", result.Anomalies.Select(a => a.Explanation)));
    }
}
