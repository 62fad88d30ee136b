using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Postgres;
using Ddia.Verify.Systems.Adapters.Tests.Common;
using Ddia.Verify.Systems.Adapters.Tests.Raft;
using Npgsql;

namespace Ddia.Verify.Systems.Adapters.Tests.Postgres;

/// <summary>A real PostgreSQL 15 server on the first of three test nodes, set up by <see cref="PostgresDb"/> (initdb,
/// start, database and tables); the other nodes are its clients' access points.</summary>
internal sealed class PostgresTestCluster : ProcessCluster<PostgresDb>
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private static readonly ClusterLimits Limits = new(UntilOk: TimeSpan.FromSeconds(30), OpTimeout: TimeSpan.FromSeconds(15), LogTail: 4000);

    private PostgresTestCluster(LocalTestRemote remote, TestContext test, PostgresDb db)
        : base(remote, test, db, Limits)
    {
    }

    public Node Server => PostgresDb.Server(Test);

    /// <summary>The client options of this server at <paramref name="isolation"/>.</summary>
    public PostgresClientOptions ClientOptions(string isolation, string workload = "list-append") =>
        Db.Options.ClientOptions with { Isolation = isolation, Workload = workload };

    /// <summary>A session of our own, outside any client (for holding locks and looking at pg_locks).</summary>
    public async Task<NpgsqlConnection> AdminAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Server.Address, Port = Db.Options.Port, Database = Db.Options.Database, Username = "postgres", Pooling = false,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The postmaster's pid, from the pid file the environment wrote.</summary>
    public int ServerPid() => int.Parse(File.ReadAllText(Path.Combine(Remote.NodeDirectory(Server), "postgres.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public static Task<PostgresTestCluster> StartAsync()
    {
        // CI installs PostgreSQL; a machine without it must fail here, never skip or pass quietly.
        Assert.True(File.Exists(BinDirectory + "/postgres"), $"{BinDirectory}/postgres is missing: these tests need PostgreSQL 15, run `apt-get install -y postgresql`");
        return StartAsync("postgres-adapter",
            (port, _) => new PostgresDb(new PostgresDbOptions { BinDirectory = BinDirectory, Port = port }),
            (remote, test, db) => new PostgresTestCluster(remote, test, db));
    }
}
