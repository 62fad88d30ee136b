namespace Ddia.Verify.Systems.Replication.Tests;

public sealed class PlaceholderTests
{
    [Fact]
    public void AssemblyLoads() => Assert.NotNull(typeof(PlaceholderTests).Assembly);
}
