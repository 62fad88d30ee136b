using System.Collections.Immutable;
using System.Globalization;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Npgsql;

namespace Ddia.Verify.Systems.Adapters.Postgres;

/// <summary>
/// The transactional workloads against PostgreSQL (<see cref="PostgresSchema"/> has the tables), one session per
/// client: every op is one interactive transaction, <c>BEGIN ISOLATION LEVEL …</c>, one statement per micro-op, then
/// <c>COMMIT</c>, so clients interleave like the sessions of Hermitage. Outcomes:
/// <list type="bullet">
/// <item>ok: the server answered the COMMIT without an error.</item>
/// <item>fail: a serialization failure (SQLSTATE 40001) or deadlock (40P01), at any step, the commit included (the
/// server rolled back); any error before the COMMIT was sent (nothing can have committed: the transaction is rolled
/// back, or its session closed); an error the server returned for the COMMIT; a guard of the workload that did not
/// hold (insufficient funds, fewer than two doctors on call), after which the client rolls back.</item>
/// <item>info: the connection broke, or the statement timed out or was cancelled, while the COMMIT was in flight.</item>
/// </list>
/// Nothing is ever resent. After a broken connection (or any doubt about the session) the client drops it and opens
/// a new one at its next op; failing to open is a fail.
/// </summary>
public sealed class PostgresClient : IClient
{
    private readonly PostgresClientOptions options;
    private readonly Node? server;
    private NpgsqlConnection? connection;

    public PostgresClient(PostgresClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
    }

    private PostgresClient(PostgresClientOptions options, Node server)
    {
        this.options = options;
        this.server = server;
    }

    public PostgresClientOptions Options => options;

    private Node Server => server ?? throw new InvalidOperationException("open the client before invoking ops on it");

    /// <summary>A client of the server (the test's first node, whichever <paramref name="node"/> it is bound to). Its
    /// session opens at the first op.</summary>
    public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation) =>
        ValueTask.FromResult<IClient>(new PostgresClient(options, PostgresDb.Server(test)));

    /// <summary>Seeds bank's accounts and on-call's roster (every doctor on call), in one transaction.</summary>
    public async ValueTask SetupAsync(TestContext test, CancellationToken cancellation)
    {
        if (options.InitialBalances.Count == 0 && options.Roster.Count == 0) return;
        await using var setup = Connect(PostgresDb.Server(test), options);
        await setup.OpenAsync(cancellation).ConfigureAwait(false);
        await using var txn = await setup.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        foreach (var (account, balance) in options.InitialBalances)
        {
            await ExecuteAsync(setup, "INSERT INTO accounts (id, balance) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance",
                cancellation, account.AsLong, balance).ConfigureAwait(false);
        }
        foreach (var (shift, doctors) in options.Roster)
        {
            foreach (var doctor in doctors)
            {
                await ExecuteAsync(setup,
                    "INSERT INTO oncall (shift, doctor, on_call) VALUES ($1, $2, true) ON CONFLICT (shift, doctor) DO UPDATE SET on_call = true",
                    cancellation, Text(shift), Text(doctor)).ConfigureAwait(false);
            }
        }
        await txn.CommitAsync(cancellation).ConfigureAwait(false);
    }

    public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        // Npgsql 10.0.3's cancellation callback can throw (a NullReferenceException) when the server's connection breaks
        // at the same moment, as under kill -9. Thrown from the harness's op-timeout timer, that would end the process:
        // the op runs on a token of its own, cancelled where such a throw is caught.
        using var guarded = new CancellationTokenSource();
        using var relay = cancellation.UnsafeRegister(static s => CancelQuietly((CancellationTokenSource)s!), guarded);
        return await InvokeOnceAsync(invocation, guarded.Token).ConfigureAwait(false);
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the driver's failed; the op still ends (its connection is broken, or the command times out).
        }
    }

    private async Task<Op> InvokeOnceAsync(Op invocation, CancellationToken cancellation)
    {
        if (connection is null)
        {
            var opened = Connect(Server, options);
            try
            {
                await opened.OpenAsync(cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionTrouble(e))
            {
                await opened.DisposeAsync().ConfigureAwait(false);
                return Fail(invocation, "connect: " + e.Message);
            }
            connection = opened;
        }

        // Before the COMMIT is sent, nothing can have committed.
        var committing = false;
        try
        {
            await ExecuteAsync(connection, $"BEGIN ISOLATION LEVEL {options.IsolationSql}", cancellation).ConfigureAwait(false);
            var ok = options.Workload switch
            {
                "bank" => await BankAsync(connection, invocation, cancellation).ConfigureAwait(false),
                "on-call" => await OnCallAsync(connection, invocation, cancellation).ConfigureAwait(false),
                _ => await MicroOpsAsync(connection, invocation, cancellation).ConfigureAwait(false),
            };
            committing = true;
            await ExecuteAsync(connection, "COMMIT", cancellation).ConfigureAwait(false);
            return ok;
        }
        catch (NotDoneException e)
        {
            await RollBackAsync().ConfigureAwait(false);
            return Fail(invocation, e.Message);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected)
        {
            await RollBackAsync().ConfigureAwait(false);
            return Fail(invocation, (e.SqlState == PostgresErrorCodes.DeadlockDetected ? "deadlock: " : "serialization-failure: ") + e.MessageText);
        }
        catch (PostgresException e) when (!IsSessionLost(e) || !committing)
        {
            // The server refused a statement (or the COMMIT itself): the transaction is aborted.
            await RollBackAsync().ConfigureAwait(false);
            return Fail(invocation, $"{e.SqlState}: {e.MessageText}");
        }
        catch (Exception e) when (IsConnectionTrouble(e))
        {
            // The session is in doubt: drop it (which also ends the transaction, if the COMMIT never arrived).
            await DropConnectionAsync().ConfigureAwait(false);
            return committing ? invocation with { Type = OpType.Info, Error = Value.Of("commit outcome unknown: " + e.Message) }
                : Fail(invocation, e.Message);
        }
    }

    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public async ValueTask CloseAsync(TestContext test, CancellationToken cancellation) => await DropConnectionAsync().ConfigureAwait(false);

    /// <summary>A connection to the server with these options' timeouts; no pooling, so a dropped connection is
    /// really closed and a new one is really new.</summary>
    internal static NpgsqlConnection Connect(Node server, PostgresClientOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = server.Address,
            Port = options.Port,
            Database = options.Database,
            Username = PostgresSchema.User,
            Pooling = false,
            Timeout = (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds),
            CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds),
            // Cancelling a statement (the op timed out) closes the connection at once instead of waiting for the server.
            CancellationTimeout = -1,
            IncludeErrorDetail = true,
            ApplicationName = "ddia-verify",
        };
        return new NpgsqlConnection(builder.ConnectionString);
    }

    /// <summary>list-append and rw-register: one statement per micro-op.</summary>
    private async Task<Op> MicroOpsAsync(NpgsqlConnection session, Op invocation, CancellationToken cancellation)
    {
        var done = ImmutableArray.CreateBuilder<Value>();
        foreach (var mop in invocation.Value.Items)
        {
            var (f, key, arg) = (mop.Items[0].AsText, mop.Items[1].AsLong, mop.Items[2]);
            switch (f)
            {
                case "r" when options.Workload == "rw-register":
                    var register = await ScalarAsync(session, "SELECT v FROM registers WHERE k = $1", cancellation, key).ConfigureAwait(false);
                    done.Add(Value.List(mop.Items[0], mop.Items[1], register is long v ? Value.Of(v) : Value.Nil));
                    break;
                case "r":
                    var list = await ScalarAsync(session, "SELECT v FROM lists WHERE k = $1", cancellation, key).ConfigureAwait(false);
                    done.Add(Value.List(mop.Items[0], mop.Items[1], Value.List(((list as long[]) ?? []).Select(Value.Of).ToImmutableArray())));
                    break;
                case "append" when options.Upserts:
                    await ExecuteAsync(session, "INSERT INTO lists AS l (k, v) VALUES ($1, ARRAY[$2]) ON CONFLICT (k) DO UPDATE SET v = l.v || $2",
                        cancellation, key, arg.AsLong).ConfigureAwait(false);
                    done.Add(mop);
                    break;
                case "append":
                    await UpdateOrInsertAsync(session, "UPDATE lists SET v = v || $2 WHERE k = $1", "INSERT INTO lists (k, v) VALUES ($1, ARRAY[$2])",
                        cancellation, key, arg.AsLong).ConfigureAwait(false);
                    done.Add(mop);
                    break;
                case "w" when options.Upserts:
                    await ExecuteAsync(session, "INSERT INTO registers (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
                        cancellation, key, arg.AsLong).ConfigureAwait(false);
                    done.Add(mop);
                    break;
                default:
                    await UpdateOrInsertAsync(session, "UPDATE registers SET v = $2 WHERE k = $1", "INSERT INTO registers (k, v) VALUES ($1, $2)",
                        cancellation, key, arg.AsLong).ConfigureAwait(false);
                    done.Add(mop);
                    break;
            }
        }
        return invocation with { Type = OpType.Ok, Value = Value.List(done.ToImmutable()) };
    }

    /// <summary>
    /// bank: a read selects every account; a transfer is the application's read-modify-write — read both balances,
    /// refuse an overdraft, write both new balances (in account order). Nothing is locked for update, so each isolation
    /// level shows what it does with the race: read committed loses updates (a wrong total), repeatable read and
    /// serializable abort one of two conflicting transfers.
    /// </summary>
    private static async Task<Op> BankAsync(NpgsqlConnection session, Op invocation, CancellationToken cancellation)
    {
        if (invocation.F == "read")
        {
            var balances = ImmutableArray.CreateBuilder<KeyValuePair<Value, Value>>();
            await using var read = Command(session, "SELECT id, balance FROM accounts ORDER BY id");
            await using (var rows = await read.ExecuteReaderAsync(cancellation).ConfigureAwait(false))
            {
                while (await rows.ReadAsync(cancellation).ConfigureAwait(false))
                    balances.Add(KeyValuePair.Create(Value.Of(rows.GetInt64(0)), Value.Of(rows.GetInt64(1))));
            }
            return invocation with { Type = OpType.Ok, Value = Value.Map(balances.ToImmutable()) };
        }
        var (from, to, amount) = (invocation.Value.Get("from")!.AsLong, invocation.Value.Get("to")!.AsLong, invocation.Value.Get("amount")!.AsLong);
        var fromBalance = (long)(await ScalarAsync(session, "SELECT balance FROM accounts WHERE id = $1", cancellation, from).ConfigureAwait(false)
                                 ?? throw new NotDoneException($"no account {from}"));
        var toBalance = (long)(await ScalarAsync(session, "SELECT balance FROM accounts WHERE id = $1", cancellation, to).ConfigureAwait(false)
                               ?? throw new NotDoneException($"no account {to}"));
        if (fromBalance < amount) throw new NotDoneException("insufficient-funds");
        (long Id, long Balance)[] writes = [(from, fromBalance - amount), (to, toBalance + amount)];
        foreach (var (id, balance) in writes.OrderBy(w => w.Id))
            await ExecuteAsync(session, "UPDATE accounts SET balance = $2 WHERE id = $1", cancellation, id, balance).ConfigureAwait(false);
        return invocation with { Type = OpType.Ok };
    }

    /// <summary>on-call (DDIA fig. 7-8): read who is on call for the shift; go off call only if at least two are,
    /// me among them. A read returns every shift of the roster with its doctors on call.</summary>
    private async Task<Op> OnCallAsync(NpgsqlConnection session, Op invocation, CancellationToken cancellation)
    {
        if (invocation.F == "read")
        {
            var onCall = new HashSet<(string, string)>();
            await using var read = Command(session, "SELECT shift, doctor FROM oncall WHERE on_call");
            await using (var rows = await read.ExecuteReaderAsync(cancellation).ConfigureAwait(false))
            {
                while (await rows.ReadAsync(cancellation).ConfigureAwait(false)) onCall.Add((rows.GetString(0), rows.GetString(1)));
            }
            var shifts = options.Roster.Select(p => KeyValuePair.Create(p.Key,
                Value.List(p.Value.Where(d => onCall.Contains((Text(p.Key), Text(d)))).ToImmutableArray())));
            return invocation with { Type = OpType.Ok, Value = Value.Map([.. shifts]) };
        }
        var (shift, doctor) = (Text(invocation.Value.Get("shift")!), Text(invocation.Value.Get("doctor")!));
        var doctors = new List<string>();
        await using (var who = Command(session, "SELECT doctor FROM oncall WHERE shift = $1 AND on_call", shift))
        await using (var rows = await who.ExecuteReaderAsync(cancellation).ConfigureAwait(false))
        {
            while (await rows.ReadAsync(cancellation).ConfigureAwait(false)) doctors.Add(rows.GetString(0));
        }
        if (doctors.Count < 2 || !doctors.Contains(doctor)) throw new NotDoneException("fewer-than-two-on-call");
        await ExecuteAsync(session, "UPDATE oncall SET on_call = false WHERE shift = $1 AND doctor = $2", cancellation, shift, doctor).ConfigureAwait(false);
        return invocation with { Type = OpType.Ok };
    }

    private static NpgsqlCommand Command(NpgsqlConnection session, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, session);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return command;
    }

    /// <summary>
    /// Writes a key by UPDATE, and by INSERT when no row has it yet (a concurrent first insert makes this one fail with
    /// a unique violation: the transaction aborts, the op fails). Not INSERT … ON CONFLICT DO UPDATE (unless
    /// <see cref="PostgresClientOptions.Upserts"/>): with such upserts PostgreSQL 15's SERIALIZABLE let a G2-item cycle
    /// commit here (1 run in about 7, over 15,191 transactions), the kind of cycle reported against PostgreSQL 18.4 in
    /// 2026 for the same statement; the validation campaign checks Hermitage's claim for plain reads and writes.
    /// </summary>
    private static async Task UpdateOrInsertAsync(NpgsqlConnection session, string update, string insert, CancellationToken cancellation,
        params object[] parameters)
    {
        await using var command = Command(session, update, parameters);
        if (await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false) == 0)
            await ExecuteAsync(session, insert, cancellation, parameters).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection session, string sql, CancellationToken cancellation, params object[] parameters)
    {
        await using var command = Command(session, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>The first column of the first row; null when there is no row.</summary>
    private static async Task<object?> ScalarAsync(NpgsqlConnection session, string sql, CancellationToken cancellation, params object[] parameters)
    {
        await using var command = Command(session, sql, parameters);
        var result = await command.ExecuteScalarAsync(cancellation).ConfigureAwait(false);
        return result is DBNull ? null : result;
    }

    /// <summary>Ends the aborted transaction so the session can go on; a session that cannot is dropped.</summary>
    private async Task RollBackAsync()
    {
        if (connection is null) return;
        try
        {
            using var timeout = new CancellationTokenSource(options.CommandTimeout);
            await ExecuteAsync(connection, "ROLLBACK", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException || IsConnectionTrouble(e))
        {
            await DropConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task DropConnectionAsync()
    {
        if (connection is null) return;
        var dropped = connection;
        connection = null;
        try
        {
            await dropped.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or SocketException or TimeoutException or OperationCanceledException)
        {
            // Closing a broken connection may complain; it is closed either way.
        }
    }

    /// <summary>Broken, timed out or cancelled: the client does not know what the server did with the last statement.</summary>
    private static bool IsConnectionTrouble(Exception e) =>
        e is NpgsqlException or IOException or SocketException or TimeoutException or OperationCanceledException or InvalidOperationException;

    /// <summary>An error the server sends as it ends the session (shutdown, crash of another backend): during a
    /// COMMIT it does not say whether the commit happened first.</summary>
    private static bool IsSessionLost(PostgresException e) =>
        e.Severity is "FATAL" or "PANIC" || e.SqlState.StartsWith("57P", StringComparison.Ordinal) || e.SqlState.StartsWith("08", StringComparison.Ordinal);

    private static Op Fail(Op invocation, string why) => invocation with { Type = OpType.Fail, Error = Value.Of(why) };

    private static string Text(Value value) => value.AsText ?? value.ToString();

    /// <summary>The workload's guard did not hold: the transaction is rolled back; the message says why.</summary>
    private sealed class NotDoneException(string why) : Exception(why);
}
