using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.Workloads.Transactions;

namespace Ddia.Verify.Systems.Adapters.Txn;

/// <summary>How clients use ddia-node's transactional store.</summary>
public sealed record TxnClientOptions
{
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each client talks to the node it is bound to (2pc: that node coordinates), instead of the primary, and
    /// to the next node while that one refuses connections.</summary>
    public bool OwnNode { get; init; }

    /// <summary>list-append, rw-register, bank or on-call: how ops map onto transactions. The default value is list-append.</summary>
    [RegularExpression("^(list-append|rw-register|bank|on-call)$")] public string Workload { get; init; } = "list-append";

    /// <summary>Written once, in one transaction, by the client's setup (bank balances, the on-call roster): key → list.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> InitialData { get; init; } = ImmutableDictionary<string, IReadOnlyList<long>>.Empty;

    /// <summary>bank: the accounts. on-call: shift → its doctors (key <c>oncall/{shift}/{doctor}</c>, [1] on call, [0] off).</summary>
    public IReadOnlyList<Value> Accounts { get; init; } = [];

    public IReadOnlyDictionary<Value, ImmutableArray<Value>> Roster { get; init; } = ImmutableDictionary<Value, ImmutableArray<Value>>.Empty;

    /// <summary>The bank workload: its accounts, each seeded with the initial balance.</summary>
    public TxnClientOptions ForBank(BankWorkloadOptions bank) => this with
    {
        Workload = "bank",
        Accounts = [.. BankWorkload.Accounts(bank)],
        InitialData = BankWorkload.InitialBalances(bank).ToDictionary(p => AccountKey(p.Key), p => (IReadOnlyList<long>)[p.Value]),
    };

    /// <summary>The on-call workload: its roster, every doctor seeded on call.</summary>
    public TxnClientOptions ForOnCall(OnCallWorkloadOptions onCall)
    {
        var roster = OnCallWorkload.Roster(onCall);
        return this with
        {
            Workload = "on-call",
            Roster = roster,
            InitialData = roster.SelectMany(p => p.Value.Select(d => OnCallKey(p.Key, d))).ToDictionary(k => k, _ => (IReadOnlyList<long>)[1]),
        };
    }

    public static string AccountKey(Value account) => "acct/" + account;

    public static string OnCallKey(Value shift, Value doctor) => $"oncall/{shift.AsText ?? shift.ToString()}/{doctor.AsText ?? doctor.ToString()}";
}

/// <summary>
/// The transactional workloads against ddia-node <c>--system txn</c> (every client talks to the primary) or <c>2pc</c>
/// (each client talks to its own node, the coordinator of its transactions). A transaction
/// runs one request per micro-op (begin, read/append/write, commit), so clients interleave like database sessions.
/// An abort at any step is <c>fail</c> (nothing of it took effect); a step that got no clear answer before the commit is
/// sent is <c>fail</c> too (the node aborts a transaction left idle); only a commit with no clear answer is <c>info</c>.
/// Nothing is ever resent. Bank transfers and on-call go-off-calls are interactive transactions with their guard
/// (enough money; at least two on call) checked by the client between the reads and the write, as an application would.
/// </summary>
public sealed class TxnClient : IClient
{
    private readonly TxnClientOptions options;
    private readonly ClusterConnection? connection;

    public TxnClient(TxnClientOptions options)
        : this(options, null) => Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);

    private TxnClient(TxnClientOptions options, ClusterConnection? connection)
    {
        this.options = options;
        this.connection = connection;
    }

    private ClusterConnection Connection => connection ?? throw new InvalidOperationException("open the client before invoking ops on it");

    public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        // 2pc: start at its own node, and move to the next when that one refuses connections (killed), as any node
        // can coordinate. txn: only the primary has the data.
        var connection = options.OwnNode
            ? new ClusterConnection(test.Nodes, node, options.HttpPort, options.ConnectTimeout)
            : new ClusterConnection([TxnDb.Primary(test)], TxnDb.Primary(test), options.HttpPort, options.ConnectTimeout);
        return ValueTask.FromResult<IClient>(new TxnClient(options, connection));
    }

    public async ValueTask SetupAsync(TestContext test, CancellationToken cancellation)
    {
        if (options.InitialData.Count == 0) return;
        var primary = TxnDb.Primary(test);
        using var setup = new ClusterConnection([primary], primary, options.HttpPort, options.ConnectTimeout);
        var ops = options.InitialData.Select(p => new object[] { "w", p.Key, p.Value }).ToArray();
        var answer = await RaftHttp.PostAsync(setup, "/txn", new { ops }, cancellation).ConfigureAwait(false);
        if (answer.Outcome != Outcome.Applied) throw new InvalidOperationException($"could not write the initial data: {answer.Error}");
    }

    public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var txn = new Session(Connection);
        try
        {
            return options.Workload switch
            {
                "bank" => await BankAsync(txn, invocation, cancellation).ConfigureAwait(false),
                "on-call" => await OnCallAsync(txn, invocation, cancellation).ConfigureAwait(false),
                _ => await MicroOpsAsync(txn, invocation, cancellation).ConfigureAwait(false),
            };
        }
        catch (NotDoneException e)
        {
            await txn.AbortQuietlyAsync().ConfigureAwait(false);
            return invocation with { Type = OpType.Fail, Error = Value.Of(e.Message) };
        }
    }

    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask CloseAsync(TestContext test, CancellationToken cancellation)
    {
        connection?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<Op> MicroOpsAsync(Session txn, Op invocation, CancellationToken cancellation)
    {
        await txn.BeginAsync(cancellation).ConfigureAwait(false);
        var done = ImmutableArray.CreateBuilder<Value>();
        foreach (var mop in invocation.Value.Items)
        {
            var (f, key, arg) = (mop.Items[0].AsText, Key(mop.Items[1]), mop.Items[2]);
            switch (f)
            {
                case "r":
                    var list = await txn.ReadAsync(key, cancellation).ConfigureAwait(false);
                    var result = options.Workload == "rw-register"
                        ? list is { Count: > 0 } ? Value.Of(list[^1]) : Value.Nil
                        : Value.List((list ?? []).Select(x => Value.Of(x)).ToImmutableArray());
                    done.Add(Value.List(mop.Items[0], mop.Items[1], result));
                    break;
                case "append":
                    await txn.StepAsync("append", new { key, element = arg.AsLong }, cancellation).ConfigureAwait(false);
                    done.Add(mop);
                    break;
                default:
                    await txn.StepAsync("write", new { key, value = arg.AsLong }, cancellation).ConfigureAwait(false);
                    done.Add(mop);
                    break;
            }
        }
        return await txn.CommitAsync(invocation, invocation with { Type = OpType.Ok, Value = Value.List(done.ToImmutable()) }, cancellation).ConfigureAwait(false);
    }

    private async Task<Op> BankAsync(Session txn, Op invocation, CancellationToken cancellation)
    {
        await txn.BeginAsync(cancellation).ConfigureAwait(false);
        if (invocation.F == "read")
        {
            var balances = ImmutableArray.CreateBuilder<KeyValuePair<Value, Value>>();
            foreach (var account in options.Accounts)
            {
                var list = await txn.ReadAsync(TxnClientOptions.AccountKey(account), cancellation).ConfigureAwait(false);
                balances.Add(KeyValuePair.Create(account, Value.Of(Balance(list))));
            }
            return await txn.CommitAsync(invocation, invocation with { Type = OpType.Ok, Value = Value.Map(balances.ToImmutable()) }, cancellation).ConfigureAwait(false);
        }
        var (from, to, amount) = (invocation.Value.Get("from")!, invocation.Value.Get("to")!, invocation.Value.Get("amount")!.AsLong);
        // Both accounts read for update, in account order like every read of all accounts: under locking isolation
        // levels a transfer then neither loses an update nor deadlocks on a lock upgrade.
        var fromFirst = AccountOrder(from) < AccountOrder(to);
        var first = Balance(await txn.ReadAsync(TxnClientOptions.AccountKey(fromFirst ? from : to), cancellation, forUpdate: true).ConfigureAwait(false));
        var second = Balance(await txn.ReadAsync(TxnClientOptions.AccountKey(fromFirst ? to : from), cancellation, forUpdate: true).ConfigureAwait(false));
        var (a, b) = fromFirst ? (first, second) : (second, first);
        if (a < amount) throw new NotDoneException("insufficient-funds");
        await txn.StepAsync("write", new { key = TxnClientOptions.AccountKey(from), value = a - amount }, cancellation).ConfigureAwait(false);
        await txn.StepAsync("write", new { key = TxnClientOptions.AccountKey(to), value = b + amount }, cancellation).ConfigureAwait(false);
        return await txn.CommitAsync(invocation, invocation with { Type = OpType.Ok }, cancellation).ConfigureAwait(false);
    }

    private async Task<Op> OnCallAsync(Session txn, Op invocation, CancellationToken cancellation)
    {
        await txn.BeginAsync(cancellation).ConfigureAwait(false);
        if (invocation.F == "read")
        {
            var shifts = ImmutableArray.CreateBuilder<KeyValuePair<Value, Value>>();
            foreach (var (shift, doctors) in options.Roster)
            {
                var on = ImmutableArray.CreateBuilder<Value>();
                foreach (var d in doctors)
                    if (await OnCallAsync(txn, shift, d, cancellation).ConfigureAwait(false)) on.Add(d);
                shifts.Add(KeyValuePair.Create(shift, Value.List(on.ToImmutable())));
            }
            return await txn.CommitAsync(invocation, invocation with { Type = OpType.Ok, Value = Value.Map(shifts.ToImmutable()) }, cancellation).ConfigureAwait(false);
        }
        var (s, doctor) = (invocation.Value.Get("shift")!, invocation.Value.Get("doctor")!);
        var onCall = 0;
        var meToo = false;
        foreach (var d in options.Roster.GetValueOrDefault(s, []))
        {
            if (!await OnCallAsync(txn, s, d, cancellation).ConfigureAwait(false)) continue;
            onCall++;
            meToo |= d == doctor;
        }
        // DDIA fig. 7-8: go off call only if someone else stays on.
        if (onCall < 2 || !meToo) throw new NotDoneException("fewer-than-two-on-call");
        await txn.StepAsync("write", new { key = TxnClientOptions.OnCallKey(s, doctor), value = 0 }, cancellation).ConfigureAwait(false);
        return await txn.CommitAsync(invocation, invocation with { Type = OpType.Ok }, cancellation).ConfigureAwait(false);
    }

    private static async Task<bool> OnCallAsync(Session txn, Value shift, Value doctor, CancellationToken cancellation) =>
        (await txn.ReadAsync(TxnClientOptions.OnCallKey(shift, doctor), cancellation).ConfigureAwait(false)) is [1];

    private int AccountOrder(Value account) => options.Accounts.Select((a, i) => (a, i)).First(p => p.a.Equals(account)).i;

    private static long Balance(IReadOnlyList<long>? list) => list is { Count: > 0 } ? list[0] : 0;

    private static string Key(Value key) => key.AsText ?? key.ToString();

    /// <summary>The transaction definitely did not commit; the message says why.</summary>
    private sealed class NotDoneException(string why) : Exception(why);

    /// <summary>One interactive transaction on the node.</summary>
    private sealed class Session(ClusterConnection connection)
    {
        private long? id;

        public async Task BeginAsync(CancellationToken cancellation)
        {
            var answer = await RaftHttp.PostAsync(connection, "/txn/begin", new { }, cancellation).ConfigureAwait(false);
            id = answer.Outcome == Outcome.Applied ? answer.Number("txn") : throw new NotDoneException(answer.Error ?? "begin failed");
        }

        public async Task<IReadOnlyList<long>?> ReadAsync(string key, CancellationToken cancellation, bool forUpdate = false)
        {
            var answer = await StepAsync("read", new { key, forUpdate }, cancellation).ConfigureAwait(false);
            var value = answer.Body.GetProperty("value");
            return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(v => v.GetInt64())] : null;
        }

        /// <summary>Anything but a clear 200 before the commit: the transaction cannot have committed.</summary>
        public async Task<RaftAnswer> StepAsync(string step, object body, CancellationToken cancellation)
        {
            var answer = await RaftHttp.PostAsync(connection, $"/txn/{Id}/{step}", body, cancellation).ConfigureAwait(false);
            return answer.Outcome == Outcome.Applied ? answer : throw new NotDoneException(answer.Error ?? step + " failed");
        }

        public async Task<Op> CommitAsync(Op invocation, Op ok, CancellationToken cancellation)
        {
            var answer = await RaftHttp.PostAsync(connection, $"/txn/{Id}/commit", new { }, cancellation).ConfigureAwait(false);
            id = null;
            return answer.Outcome switch
            {
                Outcome.Applied => ok,
                Outcome.NotDone => invocation with { Type = OpType.Fail, Error = Value.Of(answer.Error ?? "aborted") },
                _ => invocation with { Type = OpType.Info, Error = Value.Of(answer.Error ?? "commit outcome unknown") },
            };
        }

        public async Task AbortQuietlyAsync()
        {
            if (id is null) return;
            // Best effort, so locks go now rather than at the idle timeout; the answer does not matter.
            await RaftHttp.PostAsync(connection, $"/txn/{Id}/abort", new { }, CancellationToken.None).ConfigureAwait(false);
            id = null;
        }

        private string Id => (id ?? throw new InvalidOperationException("no transaction begun")).ToString(CultureInfo.InvariantCulture);
    }
}
