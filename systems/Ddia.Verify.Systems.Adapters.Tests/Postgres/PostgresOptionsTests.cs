using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Systems.Adapters.Postgres;
using Ddia.Verify.Workloads.Transactions;

namespace Ddia.Verify.Systems.Adapters.Tests.Postgres;

/// <summary>What the PostgreSQL adapter accepts: PostgreSQL's three isolation levels, the four workloads, and names
/// that can go into SQL.</summary>
public sealed class PostgresOptionsTests
{
    [Theory]
    [InlineData("read-committed")]
    [InlineData("repeatable-read")]
    [InlineData("serializable")]
    public void Client_AcceptsPostgresLevels(string isolation) =>
        Assert.Equal(isolation, new PostgresClient(new PostgresClientOptions { Isolation = isolation }).Options.Isolation);

    [Theory]
    [InlineData("snapshot")]
    [InlineData("read-uncommitted")]
    [InlineData("REPEATABLE READ")]
    public void Client_RefusesOtherLevels(string isolation) =>
        Assert.Throws<ValidationException>(() => new PostgresClient(new PostgresClientOptions { Isolation = isolation }));

    [Fact]
    public void Client_RefusesAnUnknownWorkloadAndADatabaseNameThatIsNoIdentifier()
    {
        Assert.Throws<ValidationException>(() => new PostgresClient(new PostgresClientOptions { Workload = "register" }));
        Assert.Throws<ValidationException>(() => new PostgresClient(new PostgresClientOptions { Database = "x; DROP TABLE lists" }));
    }

    [Fact]
    public void Db_RefusesARelativeBinDirectory() =>
        Assert.Throws<ValidationException>(() => new PostgresDb(new PostgresDbOptions { BinDirectory = "bin" }));

    [Fact]
    public void ForBankAndForOnCall_CarryTheWorkloadsSeeds()
    {
        var options = new PostgresDbOptions { Port = 6543 }.ClientOptions;
        var bank = options.ForBank(new BankWorkloadOptions { Accounts = 4, InitialBalance = 7 });
        Assert.Equal(("bank", 6543, 4, 28L), (bank.Workload, bank.Port, bank.InitialBalances.Count, bank.InitialBalances.Values.Sum()));
        var onCall = options.ForOnCall(new OnCallWorkloadOptions { Shifts = 3, DoctorsPerShift = 2 });
        Assert.Equal(("on-call", 3, 6), (onCall.Workload, onCall.Roster.Count, onCall.Roster.Values.Sum(d => d.Length)));
    }
}
