using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Systems.Adapters.Postgres;

/// <summary>How to run a PostgreSQL 15 server on the test's first node (DESIGN.md §4, third-party systems).</summary>
public sealed record PostgresDbOptions
{
    /// <summary>The directory holding initdb and postgres on the nodes; an absolute path. The default value is
    /// /usr/lib/postgresql/15/bin (Debian's <c>postgresql-15</c>).</summary>
    [Required] public string BinDirectory { get; init; } = "/usr/lib/postgresql/15/bin";

    /// <summary>The server's TCP port. The default value is 5432.</summary>
    [Range(1, 65535)] public int Port { get; init; } = 5432;

    /// <summary>The operating-system user the server runs as when the node's commands run as root (postgres refuses
    /// root). It must exist on the node; Debian's <c>postgresql</c> package creates it. The default value is postgres.</summary>
    [Required] public string RunAs { get; init; } = "postgres";

    /// <summary>The database setup creates, holding the workloads' tables. The default value is ddia.</summary>
    [Required] public string Database { get; init; } = "ddia";

    /// <summary>max_connections: every client's one connection, the setup and status probes, and room for clients
    /// reconnecting while their old backend has not yet noticed. The default value is 120 (enough for 50 clients).</summary>
    [Range(10, 10_000)] public int MaxConnections { get; init; } = 120;

    /// <summary>deadlock_timeout: how long a transaction waits for a lock before the server looks for a deadlock (and
    /// aborts one of its transactions with 40P01). Short, because clients that append to several hot keys deadlock
    /// often and each wait stalls them; PostgreSQL's own default is 1 s. The default value is 100 ms.</summary>
    public TimeSpan DeadlockTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Networks (CIDR) whose hosts may connect without a password. Null (the default): 127.0.0.0/8 and the
    /// /24 of every node's address (IPv4) or the address itself (IPv6), which is the test network.</summary>
    public IReadOnlyList<string>? TrustedNetworks { get; init; }

    /// <summary>How long a started server may take to accept connections (crash recovery included); also how long
    /// a kill or stop waits for its processes to go. The default value is 60 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The client options matching this server (port, database), for <see cref="PostgresClient"/>.</summary>
    public PostgresClientOptions ClientOptions => new() { Port = Port, Database = Database };

    /// <summary>
    /// The files of this machine a node needs to run the server when it has no PostgreSQL of its own (a container made
    /// from host files): the programs, their modules (but the JIT's, which would bring LLVM; the server runs with
    /// jit=off), the share directory initdb reads (Debian's layout: <c>/usr/lib/postgresql/V/bin</c> beside
    /// <c>/usr/share/postgresql/V</c>), the time zone data the server is built to read, and the commands this adapter
    /// runs on the node. The node also needs the user <see cref="RunAs"/>.
    /// </summary>
    public IReadOnlyList<string> NodeFiles()
    {
        var installation = Path.GetDirectoryName(BinDirectory.TrimEnd('/'))!;
        var modules = Path.Combine(installation, "lib");
        var share = Path.Combine("/usr/share/postgresql", Path.GetFileName(installation));
        return
        [
            BinDirectory,
            .. Directory.Exists(modules) ? Directory.GetFiles(modules, "*.so").Where(m => !Path.GetFileName(m).StartsWith("llvmjit", StringComparison.Ordinal)).Order(StringComparer.Ordinal) : Enumerable.Empty<string>(),
            share,
            "/usr/share/zoneinfo",
            "/usr/bin/id", "/usr/bin/chown", "/usr/bin/setpriv", "/usr/bin/pgrep",
        ];
    }

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DeadlockTimeout, TimeSpan.FromMilliseconds(1));
        if (!BinDirectory.StartsWith('/')) throw new ValidationException($"BinDirectory must be an absolute path, got '{BinDirectory}'");
        if (!PostgresSchema.IsIdentifier(Database)) throw new ValidationException($"Database must be a plain lower-case identifier, got '{Database}'");
    }
}
