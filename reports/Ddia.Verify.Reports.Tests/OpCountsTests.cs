using Ddia.Verify.Checkers.Testing;

namespace Ddia.Verify.Reports.Tests;

public sealed class OpCountsTests
{
    [Fact]
    public void ByF_CountsOutcomesPerFAndInAll_WithNeverCompletedAsInfo()
    {
        // Ops.Parse times are ns: latencies 10, 30 and 50 ns for the ok ops.
        var history = Ops.Parse("p0 w1 [0,10] | p1 w2 [20,50] | p2 r2 [60,110] | p3 w3 [120,_] | p4 r3:fail [130,140]");

        var rows = OpCounts.ByF(history);

        Assert.Equal(["read", "write", OpCounts.All], rows.Select(r => r.F));
        var read = rows[0];
        Assert.Equal((2, 1, 1, 0, 0), (read.Invocations, read.Ok, read.Fail, read.Info, read.NeverCompleted));
        Assert.Equal(0.5, read.Availability);
        var write = rows[1];
        Assert.Equal((3, 2, 0, 1, 1), (write.Invocations, write.Ok, write.Fail, write.Info, write.NeverCompleted));
        Assert.Equal((10e-6, 30e-6), (write.P50Ms, write.P99Ms));
        var all = rows[2];
        Assert.Equal((5, 3, 1, 1), (all.Invocations, all.Ok, all.Fail, all.Info));
        Assert.Equal((30e-6, 50e-6), (all.P50Ms, all.P99Ms));
    }

    [Fact]
    public void Quantile_IsTheNearestRank()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, OpCounts.Quantile(sorted, 0.5));
        Assert.Equal(10, OpCounts.Quantile(sorted, 0.99));
        Assert.Equal(1, OpCounts.Quantile(sorted, 0));
        Assert.Null(OpCounts.Quantile([], 0.5));
    }
}
