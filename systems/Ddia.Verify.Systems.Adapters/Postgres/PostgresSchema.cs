using System.Text.RegularExpressions;

namespace Ddia.Verify.Systems.Adapters.Postgres;

/// <summary>
/// The tables the workloads use, one per workload, all created by <see cref="PostgresDb"/>'s setup:
/// <list type="bullet">
/// <item><c>lists (k bigint primary key, v bigint[] not null)</c>: list-append; an append is one upsert that
/// concatenates, a read returns the array (a missing row is the empty list).</item>
/// <item><c>registers (k bigint primary key, v bigint not null)</c>: rw-register; a write is an upsert, a read of a
/// missing row is nil.</item>
/// <item><c>accounts (id bigint primary key, balance bigint not null)</c>: bank; seeded by the client's setup.</item>
/// <item><c>oncall (shift text, doctor text, on_call boolean, primary key (shift, doctor))</c>: DDIA's doctors;
/// seeded by the client's setup.</item>
/// </list>
/// </summary>
public static partial class PostgresSchema
{
    /// <summary>The DDL, idempotent.</summary>
    public const string CreateTables = """
        CREATE TABLE IF NOT EXISTS lists (k bigint PRIMARY KEY, v bigint[] NOT NULL);
        CREATE TABLE IF NOT EXISTS registers (k bigint PRIMARY KEY, v bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, balance bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS oncall (shift text NOT NULL, doctor text NOT NULL, on_call boolean NOT NULL, PRIMARY KEY (shift, doctor));
        """;

    /// <summary>The superuser initdb creates (<c>-U</c>), whatever the operating-system user; clients log in as it.</summary>
    public const string User = "postgres";

    /// <summary>Whether <paramref name="name"/> can go into SQL unquoted (database names are not parameters).</summary>
    public static bool IsIdentifier(string name) => Identifier().IsMatch(name);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
