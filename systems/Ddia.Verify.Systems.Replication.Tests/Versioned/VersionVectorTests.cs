using CsCheck;
using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Systems.Replication.Tests.Versioned;

public sealed class VersionVectorTests
{
    internal static readonly Gen<VersionVector> Vectors =
        Gen.Select(Gen.Int[1, 4], Gen.Long[0, 5]).Array[0, 5].Select(pairs => VersionVector.Of(pairs.Select(p => KeyValuePair.Create(p.Item1, p.Item2))));

    private static VersionVector V(string text) => VersionVector.TryParse(text)!;

    [Theory]
    [InlineData("", "", Causality.Equal)]
    [InlineData("1:1", "1:1", Causality.Equal)]
    [InlineData("1:1", "1:2", Causality.Before)]
    [InlineData("1:2,2:1", "1:2", Causality.After)]
    [InlineData("1:1", "2:1", Causality.Concurrent)]
    [InlineData("1:2,2:1", "1:1,2:2", Causality.Concurrent)]
    [InlineData("", "3:7", Causality.Before)]
    public void Compare_FollowsHappensBefore(string left, string right, Causality expected) => Assert.Equal(expected, V(left).Compare(V(right)));

    [Fact]
    public void Increment_And_Merge()
    {
        var a = VersionVector.Empty.Increment(1).Increment(1);
        Assert.Equal("1:2", a.ToString());
        Assert.Equal("1:2,2:3", a.Merge(V("1:1,2:3")).ToString());
        Assert.Equal(Causality.Before, a.Compare(a.Increment(2)));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("1:")]
    [InlineData("1:-1")]
    [InlineData(":1")]
    [InlineData("1:1,,2:1")]
    public void TryParse_RefusesMalformed(string text) => Assert.Null(VersionVector.TryParse(text));

    [Fact]
    public void TryParse_RoundTrips_AndDropsZeros()
    {
        Vectors.Sample(v => Assert.Equal(v, VersionVector.TryParse(v.ToString())));
        Assert.Equal(VersionVector.Empty, V("1:0"));
        Assert.Equal("", V("1:0").ToString());
    }

    [Fact]
    public void Merge_IsCommutative_Associative_Idempotent_AndAnUpperBound()
    {
        Gen.Select(Vectors, Vectors, Vectors).Sample((a, b, c) =>
        {
            Assert.Equal(a.Merge(b), b.Merge(a));
            Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
            Assert.Equal(a, a.Merge(a));
            var m = a.Merge(b);
            Assert.True(m.Descends(a) && m.Descends(b));
            Assert.Contains(a.Compare(m), new[] { Causality.Before, Causality.Equal });
        });
    }

    [Fact]
    public void Compare_IsAntisymmetric()
    {
        Gen.Select(Vectors, Vectors).Sample((a, b) =>
        {
            var expected = a.Compare(b) switch
            {
                Causality.Before => Causality.After,
                Causality.After => Causality.Before,
                var same => same,
            };
            Assert.Equal(expected, b.Compare(a));
        });
    }
}
