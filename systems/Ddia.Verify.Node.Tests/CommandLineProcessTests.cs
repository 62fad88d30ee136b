namespace Ddia.Verify.Node.Tests;

/// <summary>ddia-node's command line: a bad option stops it before it touches anything, with exit code 2 and the
/// option named on stderr.</summary>
[Trait("Category", "Process")]
public sealed class CommandLineProcessTests
{
    [Theory]
    [InlineData("--bogus", "--bogus", "1")]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--read-mode", "--read-mode", "fast")]
    [InlineData("--fencing", "--fencing", "maybe")]
    [InlineData("--isolation", "--isolation", "eventual")]
    [InlineData("--peer-http", "--peer-http", "7=127.0.0.1:1")]
    [InlineData("--listen-http", "--listen-http", "somewhere")]
    public async Task BadOption_ExitsWith2_NamingIt(string named, params string[] bad)
    {
        var data = Path.Combine(Path.GetTempPath(), "ddia-node-cli-" + Guid.NewGuid().ToString("N"));
        string[] valid =
        [
            "--system", "raft", "--id", "1", "--listen-http", "127.0.0.1:1", "--listen-peer", "127.0.0.1:1",
            "--peer", "2=127.0.0.1:2", "--data", data,
        ];
        var (exit, stderr) = await NodeProcesses.RunToExit([.. valid, .. bad], TimeSpan.FromSeconds(20));
        Assert.Equal(2, exit);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Contains("usage:", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }
}
