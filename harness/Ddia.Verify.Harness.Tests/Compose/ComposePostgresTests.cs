using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;
using Ddia.Verify.Systems.Adapters.Postgres;

namespace Ddia.Verify.Harness.Tests.Compose;

/// <summary>PostgreSQL options become PostgreSQL tests (or usage errors naming the option). Nothing is started;
/// composing needs PostgreSQL 15's server programs installed.</summary>
public sealed class ComposePostgresTests
{
    [Theory]
    [InlineData("read-committed")]
    [InlineData("repeatable-read")]
    [InlineData("serializable")]
    public void ListAppend_TalksToPostgresAtTheLevelAskedFor(string isolation)
    {
        var options = new RunOptions { System = "postgres", Isolation = isolation, Workload = "list-append", ConsistencyModels = ["serializable"] };

        var spec = TestComposer.Compose(options, out _);

        Assert.IsType<PostgresDb>(spec.Db);
        var client = Assert.IsType<PostgresClient>(spec.Client);
        Assert.Equal((isolation, "list-append"), (client.Options.Isolation, client.Options.Workload));
        Assert.Equal(isolation, spec.Options["configuration"]);
        Assert.Equal($"postgres-list-append-{isolation}-no-faults", spec.Name);
        Assert.Contains($"--system postgres --workload list-append --isolation {isolation}", spec.CommandLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bank")]
    [InlineData("on-call")]
    [InlineData("rw-register")]
    public void TheOtherTransactionalWorkloads_RunThroughTheSameClient(string workload)
    {
        var spec = TestComposer.Compose(new RunOptions { System = "postgres", Workload = workload }, out _);

        var client = Assert.IsType<PostgresClient>(spec.Client);
        Assert.Equal(("serializable", workload), (client.Options.Isolation, client.Options.Workload));
        if (workload == "bank") Assert.NotEmpty(client.Options.InitialBalances);
        if (workload == "on-call") Assert.NotEmpty(client.Options.Roster);
    }

    [Fact]
    public void Postgres_NeedsNoNodeProgram_AndHasNoClockToSkew()
    {
        var options = new RunOptions { System = "postgres", Workload = "list-append", NodeProgram = "/nonexistent/ddia-node.dll", Nemesis = ["clock", "kill"] };

        TestComposer.Compose(options, out var unavailable);

        Assert.Contains(unavailable, u => u.StartsWith("clock", StringComparison.Ordinal));
        Assert.DoesNotContain(unavailable, u => u.StartsWith("kill", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("snapshot", "list-append", "--isolation")]
    [InlineData("2pl", "list-append", "--isolation")]
    [InlineData("serializable", "register", "--workload")]
    public void WhatPostgresDoesNotHave_IsAUsageError_NamingTheOption(string isolation, string workload, string named)
    {
        var e = Assert.Throws<UsageException>(() => TestComposer.Compose(new RunOptions { System = "postgres", Isolation = isolation, Workload = workload }, out _));

        Assert.StartsWith(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PgWritesUpsert_ReachesTheClient_TheConfiguration_AndTheCommandLine_AnythingElseIsAUsageError()
    {
        var spec = TestComposer.Compose(new RunOptions { System = "postgres", Workload = "list-append", PgWrites = "upsert" }, out _);

        Assert.True(Assert.IsType<PostgresClient>(spec.Client).Options.Upserts);
        Assert.Equal("serializable, upserts", spec.Options["configuration"]);
        Assert.Contains("--pg-writes upsert", spec.CommandLine, StringComparison.Ordinal);
        var plain = TestComposer.Compose(new RunOptions { System = "postgres", Workload = "list-append" }, out _);
        Assert.False(((PostgresClient)plain.Client).Options.Upserts);
        Assert.DoesNotContain("--pg-writes", plain.CommandLine, StringComparison.Ordinal);

        var e = Assert.Throws<UsageException>(() => TestComposer.Compose(new RunOptions { System = "postgres", Workload = "list-append", PgWrites = "merge" }, out _));
        Assert.StartsWith("--pg-writes", e.Message, StringComparison.Ordinal);
    }
}
