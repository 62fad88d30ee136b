using Ddia.Verify.Harness.Cli;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>Jepsen "independent" EDN histories: values are [k v] tuples, split into keys with --independent.</summary>
public class IndependentTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    // Key 1 is fine; key 2 reads a value nobody wrote. Without splitting, the tuples are whole values.
    private const string History = """
        {:process 0, :type :invoke, :f :write, :value [1 3]}
        {:process 0, :type :ok, :f :write, :value [1 3]}
        {:process 1, :type :invoke, :f :read, :value [1 nil]}
        {:process 1, :type :ok, :f :read, :value [1 3]}
        {:process 0, :type :invoke, :f :write, :value [2 4]}
        {:process 0, :type :ok, :f :write, :value [2 4]}
        {:process 1, :type :invoke, :f :read, :value [2 nil]}
        {:process 1, :type :ok, :f :read, :value [2 5]}
        """;

    [Fact]
    public void Check_WithIndependent_ChecksEachKeyAndNamesTheFailingOne()
    {
        var path = dir.Write("independent.edn", History);
        var run = Cli.Run("check", path, "--model", "register", "--independent");
        Assert.True(run.Exit == ExitCodes.Invalid, run.ToString());
        Assert.Contains("2 partitions", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("key 2: no linearization can complete p1 read key 2 5", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithIndependent_PassesWhenEveryKeyIsLinearizable()
    {
        var path = dir.Write("independent-ok.edn", History.Replace("[2 5]", "[2 4]", StringComparison.Ordinal));
        var run = Cli.Run("check", path, "--model", "register", "--independent");
        Assert.True(run.Exit == ExitCodes.Valid, run.ToString());
    }
}
