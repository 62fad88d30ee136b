using System.Collections.Immutable;
using System.Diagnostics;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Postgres;
using Ddia.Verify.Systems.Adapters.Tests.Raft;
using Npgsql;

namespace Ddia.Verify.Systems.Adapters.Tests.Postgres;

/// <summary>
/// <see cref="PostgresDb"/> and <see cref="PostgresClient"/> against a real PostgreSQL 15 server run as a non-root
/// user: commits survive kill -9, a paused server answers nothing, and the lost-update race of two read-modify-write
/// transactions (Hermitage's P4) is lost under read committed and refused above it, and read skew (G-single) shows
/// under read committed only.
/// </summary>
[Trait("Category", "Process")]
public sealed class PostgresProcessTests
{
    [Fact]
    public async Task Commits_SurviveKill9_PauseStopsTheServer_TeardownLeavesNothing()
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        var client = await cluster.OpenAsync(new PostgresClient(cluster.ClientOptions("serializable")), cluster.Nodes[1]);
        var pid = cluster.ServerPid();
        // postgres refuses root: the server runs as the postgres user.
        Assert.NotEqual("0", Uid(pid));

        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, "txn", Txn(Append(1, 10), Append(2, 20)))).Type);
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, "txn", Txn(Append(1, 11)))).Type);
        var read = await cluster.InvokeAsync(client, 0, "txn", Txn(Read(1), Read(2), Read(3)));
        Assert.Equal("[[\"r\" 1 [10 11]] [\"r\" 2 [20]] [\"r\" 3 []]]", read.Value.ToString());

        await cluster.Db.KillAsync(cluster.Test, cluster.Server, CancellationToken.None);
        Assert.False(LocalTestRemote.IsAlive(pid));
        Assert.Empty(await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));
        // The session died with the server and nothing was sent: fail, not info.
        var meanwhile = await cluster.InvokeAsync(client, 0, "txn", Txn(Append(1, 12)));
        Assert.Equal(OpType.Fail, meanwhile.Type);

        await cluster.Db.StartAsync(cluster.Test, cluster.Server, CancellationToken.None);
        var recovered = await cluster.UntilOkAsync(client, 0, "txn", Txn(Read(1), Read(2)));
        Assert.Equal("[[\"r\" 1 [10 11]] [\"r\" 2 [20]]]", recovered.Value.ToString());
        Assert.Contains("was interrupted", File.ReadAllText(cluster.LogFile(cluster.Server)));

        // A paused server answers nothing: a statement before the COMMIT times out, and that is a fail.
        var impatient = await cluster.OpenAsync(new PostgresClient(cluster.ClientOptions("serializable") with { CommandTimeout = TimeSpan.FromSeconds(1) }),
            cluster.Nodes[2]);
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(impatient, 1, "txn", Txn(Read(1)))).Type);
        await cluster.Db.PauseAsync(cluster.Test, cluster.Server, CancellationToken.None);
        Assert.Null(await cluster.Db.StatusJsonAsync(cluster.Test, cluster.Server, CancellationToken.None));
        var stalled = await cluster.InvokeAsync(impatient, 1, "txn", Txn(Append(1, 99)));
        Assert.Equal(OpType.Fail, stalled.Type);
        await cluster.Db.ResumeAsync(cluster.Test, cluster.Server, CancellationToken.None);
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(impatient, 1, "txn", Txn(Read(3)))).Type);
        await impatient.CloseAsync(cluster.Test, CancellationToken.None);
        Assert.Contains("\"primary\"", await cluster.Db.StatusJsonAsync(cluster.Test, cluster.Server, CancellationToken.None));
        Assert.Equal([cluster.Server], await cluster.Db.PrimariesAsync(cluster.Test, CancellationToken.None));
        Assert.Equal(OpType.Ok, (await cluster.InvokeAsync(client, 0, "txn", Txn(Append(1, 13)))).Type);

        var restarted = cluster.ServerPid();
        var children = Children(restarted);
        Assert.NotEmpty(children);
        await client.CloseAsync(cluster.Test, CancellationToken.None);
        await cluster.Db.TeardownAsync(cluster.Test, cluster.Server, CancellationToken.None);
        Assert.DoesNotContain(children.Append(restarted), LocalTestRemote.IsAlive);
        Assert.Contains("database system is shut down", File.ReadAllText(cluster.LogFile(cluster.Server)));
    }

    [Theory]
    [InlineData("read-committed", OpType.Ok)]
    [InlineData("repeatable-read", OpType.Fail)]
    [InlineData("serializable", OpType.Fail)]
    public async Task TwoReadModifyWrites_LoseAnUpdateOnlyUnderReadCommitted(string isolation, OpType second)
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        var prototype = new PostgresClient(cluster.ClientOptions(isolation, "rw-register"));
        var (a, b) = (await cluster.OpenAsync(prototype, cluster.Nodes[1]), await cluster.OpenAsync(prototype, cluster.Nodes[2]));
        var history = new List<Op>();
        history.AddRange(await RecordAsync(cluster, a, 0, Txn(Write(1, 1))));
        Assert.Equal(OpType.Ok, history[^1].Type);

        // An outside session holds the row, so both transactions read 1 and then queue for the row; it then rolls
        // back, and the two race for it as in Hermitage's P4 (lost update).
        await using var holder = await cluster.AdminAsync();
        await using (var hold = new NpgsqlCommand("BEGIN; SELECT v FROM registers WHERE k = 1 FOR UPDATE", holder)) await hold.ExecuteNonQueryAsync();
        var ta = RecordAsync(cluster, a, 1, Txn(Read(1), Write(1, 2)));
        var tb = RecordAsync(cluster, b, 2, Txn(Read(1), Write(1, 3)));
        await WaitForLockWaitersAsync(cluster, 2);
        await using (var release = new NpgsqlCommand("ROLLBACK", holder)) await release.ExecuteNonQueryAsync();
        var done = (await Task.WhenAll(ta, tb)).SelectMany(o => o).ToList();

        var completions = done.Where(o => o.Type != OpType.Invoke).OrderBy(o => o.Type).ToList();
        Assert.Equal([OpType.Ok, second], completions.Select(o => o.Type).Order().ToList());
        Assert.All(completions.Where(o => o.Type == OpType.Ok), o => Assert.Equal(Value.Of(1), o.Value.Items[0].Items[2]));
        if (second == OpType.Fail) Assert.StartsWith("serialization-failure", completions.Single(o => o.Type == OpType.Fail).Error!.AsText);

        history.AddRange(done.OrderBy(o => o.Type != OpType.Invoke));
        var checker = new TransactionalChecker(TxnWorkload.RwRegister, new TxnCheckOptions { ConsistencyModels = ["read-committed"] });
        var result = (TxnCheckResult)checker.Check(new Ddia.Verify.History.History(Indexed(history)), new CheckOptions()).Detail!;
        if (second == OpType.Ok) Assert.Contains("lost-update", result.AnomalyTypes);
        else Assert.DoesNotContain("lost-update", result.AnomalyTypes);
    }

    [Theory]
    [InlineData("read-committed", true)]
    [InlineData("repeatable-read", false)]
    public async Task ReadSkew_IsSeenOnlyUnderReadCommitted(string isolation, bool skewed)
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        var prototype = new PostgresClient(cluster.ClientOptions(isolation));
        var (a, b) = (await cluster.OpenAsync(prototype, cluster.Nodes[1]), await cluster.OpenAsync(prototype, cluster.Nodes[2]));
        var history = new List<Op>();
        history.AddRange(await RecordAsync(cluster, a, 0, Txn(Append(1, 1), Append(2, 1), Append(3, 1))));

        // Hermitage's G-single: T1 reads x, stalls (its append waits for a row an outside session holds), T2 changes
        // x and y and commits, then T1 reads y.
        await using var holder = await cluster.AdminAsync();
        await using (var hold = new NpgsqlCommand("BEGIN; SELECT v FROM lists WHERE k = 3 FOR UPDATE", holder)) await hold.ExecuteNonQueryAsync();
        var t1 = RecordAsync(cluster, a, 1, Txn(Read(1), Append(3, 2), Read(2)));
        await WaitForLockWaitersAsync(cluster, 1);
        var t2 = await RecordAsync(cluster, b, 2, Txn(Append(1, 3), Append(2, 3)));
        Assert.Equal(OpType.Ok, t2[1].Type);
        await using (var release = new NpgsqlCommand("ROLLBACK", holder)) await release.ExecuteNonQueryAsync();
        var t1Done = await t1;
        Assert.Equal(OpType.Ok, t1Done[1].Type);
        Assert.Equal(skewed ? "[[\"r\" 1 [1]] [\"append\" 3 2] [\"r\" 2 [1 3]]]" : "[[\"r\" 1 [1]] [\"append\" 3 2] [\"r\" 2 [1]]]",
            t1Done[1].Value.ToString());

        history.AddRange([t1Done[0], .. t2, t1Done[1]]);
        var checker = new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = ["snapshot-isolation"] });
        var result = (TxnCheckResult)checker.Check(new Ddia.Verify.History.History(Indexed(history)), new CheckOptions()).Detail!;
        Assert.True(skewed == result.AnomalyTypes.Any(t => t.StartsWith("G-single", StringComparison.Ordinal)), string.Join(", ", result.AnomalyTypes));
        Assert.Equal(skewed ? Validity.Invalid : Validity.Valid, result.VerdictFor("snapshot-isolation"));
        Assert.Equal(Validity.Valid, result.VerdictFor("read-committed"));
    }

    /// <summary>
    /// A first append to a key another session is inserting at that moment: written by UPDATE, then INSERT, it waits for
    /// that insert and fails on the unique key once it commits; as an upsert (--pg-writes upsert) it waits, then updates
    /// the new row (read committed).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFirstWriteRacingAnInsert_FailsByUpdateThenInsert_AndLandsAsAnUpsert(bool upserts)
    {
        await using var cluster = await PostgresTestCluster.StartAsync();
        var client = await cluster.OpenAsync(new PostgresClient(cluster.ClientOptions("read-committed") with { Upserts = upserts }), cluster.Nodes[1]);

        await using var inserter = await cluster.AdminAsync();
        await using (var insert = new NpgsqlCommand("BEGIN; INSERT INTO lists (k, v) VALUES (9, ARRAY[0])", inserter)) await insert.ExecuteNonQueryAsync();
        var racing = RecordAsync(cluster, client, 0, Txn(Append(9, 1)));
        await WaitForLockWaitersAsync(cluster, 1);
        await using (var commit = new NpgsqlCommand("COMMIT", inserter)) await commit.ExecuteNonQueryAsync();
        var completion = (await racing)[1];

        Assert.Equal(upserts ? OpType.Ok : OpType.Fail, completion.Type);
        var read = (await RecordAsync(cluster, client, 0, Txn(Read(9), Append(9, 2), Read(9))))[1];
        Assert.Equal(OpType.Ok, read.Type);
        Assert.Equal(upserts ? "[[\"r\" 9 [0 1]] [\"append\" 9 2] [\"r\" 9 [0 1 2]]]" : "[[\"r\" 9 [0]] [\"append\" 9 2] [\"r\" 9 [0 2]]]",
            read.Value.ToString());
    }

    private static async Task<Op[]> RecordAsync(PostgresTestCluster cluster, IClient client, int process, Value txn)
    {
        var invoke = new Op(0, 0, OpType.Invoke, process, "txn", txn);
        var completion = await client.InvokeAsync(cluster.Test, invoke, CancellationToken.None);
        return [invoke, completion];
    }

    /// <summary>Waits until <paramref name="count"/> of the clients' backends wait for a lock.</summary>
    private static async Task WaitForLockWaitersAsync(PostgresTestCluster cluster, int count)
    {
        await using var admin = await cluster.AdminAsync();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using var query = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ddia-verify' AND wait_event_type = 'Lock'", admin);
            if ((long)(await query.ExecuteScalarAsync())! >= count) return;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"clients never waited for the row lock\n{cluster.Logs()}");
            await Task.Delay(20);
        }
    }

    private static ImmutableArray<Op> Indexed(IEnumerable<Op> ops) => [.. ops.Select((o, i) => o with { Index = i, Time = i })];

    internal static Value Txn(params Value[] mops) => Value.List(mops);

    internal static Value Append(long key, long element) => Value.List(Value.Of("append"), Value.Of(key), Value.Of(element));

    internal static Value Write(long key, long value) => Value.List(Value.Of("w"), Value.Of(key), Value.Of(value));

    internal static Value Read(long key) => Value.List(Value.Of("r"), Value.Of(key), Value.Nil);

    private static string Uid(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

    private static int[] Children(int pid) =>
        [.. Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(d => d!.All(char.IsAsciiDigit)).Select(d => int.Parse(d!))
            .Where(p =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{p}/stat");
                    return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) == pid;
                }
                catch (IOException)
                {
                    return false;
                }
            })];
}
