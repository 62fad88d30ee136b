using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Transactions;

namespace Ddia.Verify.Systems.Adapters.Postgres;

/// <summary>How <see cref="PostgresClient"/>s reach the server and what their transactions do.</summary>
public sealed record PostgresClientOptions
{
    /// <summary>The server's port. The default value is 5432.</summary>
    [Range(1, 65535)] public int Port { get; init; } = 5432;

    /// <summary>The database holding the workloads' tables. The default value is ddia.</summary>
    [Required] public string Database { get; init; } = "ddia";

    /// <summary>read-committed, repeatable-read (snapshot isolation in PostgreSQL) or serializable (SSI): every
    /// transaction starts with <c>BEGIN ISOLATION LEVEL …</c>. The default value is serializable.</summary>
    [RegularExpression("^(read-committed|repeatable-read|serializable)$")] public string Isolation { get; init; } = "serializable";

    /// <summary>list-append, rw-register, bank or on-call: how ops map onto transactions. The default value is list-append.</summary>
    [RegularExpression("^(list-append|rw-register|bank|on-call)$")] public string Workload { get; init; } = "list-append";

    /// <summary>list-append and rw-register: write a key with one INSERT … ON CONFLICT DO UPDATE (true) instead of UPDATE,
    /// then INSERT when no row has it (false). With upserts PostgreSQL 15's SERIALIZABLE let a G2-item cycle commit
    /// (see <see cref="PostgresClient"/>). The default value is false.</summary>
    public bool Upserts { get; init; }

    /// <summary>How long opening a connection may take before the op fails. Whole seconds (Npgsql's unit), at least
    /// one. The default value is 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one statement may take (a lock wait included) before Npgsql gives up on it: fail before the
    /// commit, info during it. Whole seconds, at least one. The default value is 10 s.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>bank: the accounts' starting balances, written by the client's setup.</summary>
    public IReadOnlyDictionary<Value, long> InitialBalances { get; init; } = ImmutableDictionary<Value, long>.Empty;

    /// <summary>on-call: shift → its doctors, every one on call at the start (written by the client's setup).</summary>
    public IReadOnlyDictionary<Value, ImmutableArray<Value>> Roster { get; init; } = ImmutableDictionary<Value, ImmutableArray<Value>>.Empty;

    /// <summary>The bank workload with its accounts and balances.</summary>
    public PostgresClientOptions ForBank(BankWorkloadOptions bank) =>
        this with { Workload = "bank", InitialBalances = BankWorkload.InitialBalances(bank) };

    /// <summary>The on-call workload with its roster.</summary>
    public PostgresClientOptions ForOnCall(OnCallWorkloadOptions onCall) =>
        this with { Workload = "on-call", Roster = OnCallWorkload.Roster(onCall) };

    /// <summary>The SQL name of <see cref="Isolation"/>.</summary>
    internal string IsolationSql => Isolation switch
    {
        "read-committed" => "READ COMMITTED",
        "repeatable-read" => "REPEATABLE READ",
        _ => "SERIALIZABLE",
    };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectTimeout, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(CommandTimeout, TimeSpan.FromSeconds(1));
        if (!PostgresSchema.IsIdentifier(Database)) throw new ValidationException($"Database must be a plain lower-case identifier, got '{Database}'");
    }
}
