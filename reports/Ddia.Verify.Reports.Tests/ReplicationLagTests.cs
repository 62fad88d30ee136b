using System.Globalization;
using Ddia.Verify.Reports.Plots;

namespace Ddia.Verify.Reports.Tests;

public sealed class ReplicationLagTests : IDisposable
{
    private const long S = 1_000_000_000;

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    /// <summary>A Raft node's status as ddia-node reports it (only the fields that matter here, plus some that do not).</summary>
    private static string Raft(string role, long term, long lastIndex, long appliedIndex) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"system":"raft","role":"{{role}}","term":{{term}},"lastIndex":{{lastIndex}},"appliedIndex":{{appliedIndex}},"commitIndex":{{appliedIndex}}}""");

    /// <summary>A leader-system node's status: it says epoch, not term.</summary>
    private static string Leader(string role, long epoch, long lastIndex, long appliedIndex) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"system":"leader","role":"{{role}}","epoch":{{epoch}},"leader":null,"lastIndex":{{lastIndex}},"appliedIndex":{{appliedIndex}}}""");

    private static StatusSample At(double seconds, string node, string? json) => new((long)(seconds * S), node, json);

    private static long?[] Entries(IReadOnlyDictionary<string, IReadOnlyList<LagPoint>> lag, string node) =>
        [.. lag[node].Select(p => p.Entries)];

    [Fact]
    public void Compute_LagIsTheLeadersLastIndexMinusEachFollowersAppliedIndex()
    {
        StatusSample[] samples =
        [
            At(0, "n1", Raft("leader", 1, 10, 10)), At(0, "n2", Raft("follower", 1, 9, 7)), At(0, "n3", Raft("follower", 1, 10, 10)),
            At(0.25, "n1", Raft("leader", 1, 25, 24)), At(0.25, "n2", Raft("follower", 1, 20, 12)), At(0.25, "n3", Raft("follower", 1, 25, 24)),
        ];

        var lag = ReplicationLag.Compute(samples);

        Assert.Equal(["n2", "n3"], lag.Keys.Order(StringComparer.Ordinal));   // n1 always led: no line
        Assert.Equal([3L, 13L], Entries(lag, "n2"));
        Assert.Equal([0L, 1L], Entries(lag, "n3"));
        Assert.Equal([0L, S / 4], lag["n2"].Select(p => p.Time));
    }

    [Fact]
    public void Compute_FollowsALeaderChange_AndIgnoresADeposedLeaderWithAnOlderTerm()
    {
        StatusSample[] samples =
        [
            At(0, "n1", Raft("leader", 1, 10, 10)), At(0, "n2", Raft("follower", 1, 10, 8)), At(0, "n3", Raft("follower", 1, 10, 6)),
            // n1 is cut off and still believes it leads in term 1; n2 leads in term 2: the lag is measured against n2.
            At(1, "n1", Raft("leader", 1, 11, 10)), At(1, "n2", Raft("leader", 2, 14, 13)), At(1, "n3", Raft("follower", 2, 14, 12)),
            At(2, "n1", Raft("follower", 2, 15, 15)), At(2, "n2", Raft("leader", 2, 20, 20)), At(2, "n3", Raft("follower", 2, 20, 20)),
        ];

        var lag = ReplicationLag.Compute(samples);

        Assert.Equal([null, 14 - 10, 20 - 15], Entries(lag, "n1"));   // a leader has no lag: a gap, not a zero
        Assert.Equal([10 - 8, null, null], Entries(lag, "n2"));
        Assert.Equal([10 - 6, 14 - 12, 0], Entries(lag, "n3"));
    }

    [Fact]
    public void Compute_LeavesGapsWhereANodeOrTheLeaderDidNotAnswer()
    {
        StatusSample[] samples =
        [
            At(0, "n1", Leader("leader", 3, 10, 10)), At(0, "n2", Leader("follower", 3, 9, 9)), At(0, "n3", Leader("follower", 3, 8, 8)),
            // n3 paused: it does not answer.
            At(1, "n1", Leader("leader", 3, 12, 12)), At(1, "n2", Leader("follower", 3, 12, 11)), At(1, "n3", null),
            // The leader does not answer: nobody's lag is known.
            At(2, "n1", null), At(2, "n2", Leader("follower", 3, 13, 13)), At(2, "n3", Leader("follower", 3, 10, 10)),
            // No line at all for the leader at 3 s: its last answer (at 2 s: none) still stands, so still no leader.
            At(3, "n2", Leader("follower", 3, 13, 13)), At(3, "n3", Leader("follower", 3, 11, 11)),
            // The leader answers again; n2 has no line this round, so it has no point at 4 s.
            At(4, "n1", Leader("leader", 3, 15, 15)), At(4, "n3", Leader("follower", 3, 11, 11)),
            // An answer that is not JSON counts as none.
            At(5, "n1", Leader("leader", 3, 16, 16)), At(5, "n2", "{not json"), At(5, "n3", Leader("follower", 3, 16, 16)),
        ];

        var lag = ReplicationLag.Compute(samples);

        Assert.Equal([1L, 1L, null, null, null], Entries(lag, "n2"));
        Assert.Equal([0L, S, 2 * S, 3 * S, 5 * S], lag["n2"].Select(p => p.Time));
        Assert.Equal([2L, null, null, null, 4L, 0L], Entries(lag, "n3"));
    }

    [Fact]
    public void Compute_OnStatusesWithoutIndexes_IsEmpty()
    {
        StatusSample[] samples =
        [
            At(0, "n1", """{"system":"multi-leader","role":"leader","localWrites":3,"applied":{"n2":1}}"""),
            At(0, "n2", """{"system":"multi-leader","role":"leader","localWrites":1,"applied":{"n1":3}}"""),
            At(0.25, "n1", null), At(0.25, "n2", "[1,2]"),
        ];

        Assert.Empty(ReplicationLag.Compute(samples));
        Assert.Empty(ReplicationLag.Compute([]));
    }

    [Fact]
    public void Runs_SplitALineAtEveryGap()
    {
        LagPoint[] points = [new(0, 1), new(1, 2), new(2, null), new(3, null), new(4, 5), new(5, null), new(6, 7), new(7, 8)];

        var runs = ReplicationLagPlot.Runs(points).Select(r => r.Select(p => p.Time).ToArray()).ToArray();

        Assert.Equal([[0L, 1L], [4L], [6L, 7L]], runs);
    }

    /// <summary>A 3-node Raft run matching <see cref="SampleRun"/>'s faults: n3 falls behind while partitioned (5–10 s)
    /// and catches up; n1 is killed at 20 s and n2 takes over.</summary>
    private static List<StatusSample> RaftRun()
    {
        var samples = new List<StatusSample>();
        long index = 0, n3Applied = 0;
        for (var t = 0.0; t < 30; t += 0.25)
        {
            index += 3;
            var partitioned = t is >= 5 and < 10;
            n3Applied = partitioned ? n3Applied : Math.Min(index, n3Applied + 40);
            if (t < 20)
            {
                samples.Add(At(t, "n1", Raft("leader", 1, index, index)));
                samples.Add(At(t, "n2", Raft("follower", 1, index, index - 1)));
            }
            else
            {
                samples.Add(At(t, "n1", null));
                samples.Add(t < 21 ? At(t, "n2", Raft("candidate", 2, index, index - 1)) : At(t, "n2", Raft("leader", 2, index, index)));
            }
            samples.Add(At(t, "n3", Raft("follower", t < 21 ? 1 : 2, n3Applied, n3Applied)));
        }
        return samples;
    }

    [Fact]
    public void Write_DrawsReplicationLagAsPngAndSvg_AndLinksTheSamples()
    {
        var input = new ReportInput
        {
            TestName = "raft-partition",
            History = SampleRun.Build(staleRead: false),
            StatusSamples = RaftRun(),
            StatusLink = "status.jsonl",
        };

        var files = RunReport.Write(input, dir.Path);
        var html = File.ReadAllText(files.Index);

        var png = Path.Combine(dir.Path, "replication-lag.png");
        var svg = Path.Combine(dir.Path, "replication-lag.svg");
        Assert.Contains(png, files.Images);
        Assert.Contains(svg, files.Images);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"the PNG is only {bytes.Length} bytes");
        var root = System.Xml.Linq.XDocument.Load(svg).Root!;
        Assert.Equal("svg", root.Name.LocalName);
        var text = string.Concat(root.DescendantNodes().OfType<System.Xml.Linq.XText>().Select(t => t.Value + " "));
        Assert.Contains("entries behind the leader", text, StringComparison.Ordinal);
        Assert.Contains("n2", text, StringComparison.Ordinal);
        Assert.Contains("n3", text, StringComparison.Ordinal);
        Assert.Contains("fault: partition", text, StringComparison.Ordinal);
        Assert.Contains("<img src=\"replication-lag.png\"", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"status.jsonl\">status.jsonl</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WithSamplesThatHaveNoIndexes_DrawsNoLagPlot()
    {
        var input = new ReportInput
        {
            TestName = "leaderless",
            History = SampleRun.Build(staleRead: false),
            StatusSamples = [At(0, "n1", """{"system":"leaderless","role":"replica","hintsPending":0}"""), At(0, "n2", null)],
        };

        var files = RunReport.Write(input, dir.Path);

        Assert.DoesNotContain(files.Images, f => f.Contains("replication-lag", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(dir.Path, "replication-lag.png")));
        Assert.DoesNotContain("replication-lag", File.ReadAllText(files.Index), StringComparison.Ordinal);
    }
}
