using System.Globalization;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.Harness.Serve;

namespace Ddia.Verify.Harness.Tests;

/// <summary>
/// A store as runs leave it, written by hand: three runs (valid, invalid, still running), <c>latest</c>, a run whose
/// results.json is half written, and directories that are no run at all.
/// </summary>
internal sealed class TestStore : IDisposable
{
    public const string Valid = "leader-sync/20261206T101500.123Z";
    public const string Invalid = "leader-async/20261206T102000.000Z";
    public const string Running = "raft-register/20261206T102500.000Z";
    public const string Broken = "txn-rc/20261206T090000.000Z";

    /// <summary>Bytes a PNG starts with, and then some: enough to be served and compared.</summary>
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];

    public TestStore()
    {
        Root = Path.Combine(Path.GetTempPath(), $"ddia-store-tests-{Guid.NewGuid():N}");
        Outside = Root + "-outside";
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), Secret);

        Run(Valid, "ok", "valid", TimeSpan.FromSeconds(42), report: true);
        Run(Invalid, "ok", "invalid", TimeSpan.FromSeconds(75), report: true, recordedSeconds: 61.5);
        Run(Running, null, null, null, report: false);
        Run(Broken, "ok", "valid", TimeSpan.FromSeconds(5), report: false);
        File.WriteAllText(Path.Combine(Root, Broken, "results.json"), "{\"status\": \"o");   // cut off mid-write
        File.CreateSymbolicLink(Path.Combine(Root, "latest"), Invalid);

        // Not runs: a directory without test.json or history.jsonl, a loose file, a link to a run under another name.
        Directory.CreateDirectory(Path.Combine(Root, "leader-sync", "20261206T000000.000Z", "logs"));
        File.WriteAllText(Path.Combine(Root, "campaign.md"), "| run |\n");
        File.CreateSymbolicLink(Path.Combine(Root, "leader-sync", "20261207T000000.000Z"), Path.Combine(Root, Invalid));

        // Ways out of the store, which the server must refuse.
        File.CreateSymbolicLink(Path.Combine(Root, "outside"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, Valid, "escape.txt"), Path.Combine(Outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, Valid, "up"), "../../..");
        File.CreateSymbolicLink(Path.Combine(Root, Valid, "store"), "../..");   // the store root: inside
    }

    public const string Secret = "the contents of a file outside the store";

    public string Root { get; }

    /// <summary>A directory beside the store, with secret.txt: links into it must not be followed.</summary>
    public string Outside { get; }

    public string Full(string relative) => Path.Combine(Root, relative);

    /// <summary>The content of <c>index.html</c> for a run: a report that links its plot and files relatively.</summary>
    public static string Report(string run) =>
        $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{run}</title></head><body><img src=\"latency.png\"><a href=\"history.jsonl\">history</a></body></html>";

    private void Run(string relative, string? status, string? validity, TimeSpan? took, bool report, double? recordedSeconds = null)
    {
        var directory = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.Combine(directory, "logs", "n1"));
        File.WriteAllText(Path.Combine(directory, "test.json"), $"{{\"name\": \"{relative.Split('/')[0]}\", \"seed\": 7}}\n");
        File.WriteAllText(Path.Combine(directory, "history.jsonl"), "{\"index\":0,\"time\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n");
        File.WriteAllText(Path.Combine(directory, "logs", "n1", "node.log"), $"node n1 of {relative}\n");
        if (status is not null)
        {
            var results = Path.Combine(directory, "results.json");
            var duration = recordedSeconds is { } r ? string.Create(CultureInfo.InvariantCulture, $", \"durationSeconds\": {r}") : "";
            File.WriteAllText(results, $"{{\"status\": \"{status}\", \"validity\": \"{validity}\", \"error\": null, \"seed\": 7, \"ops\": 1{duration}, \"checkers\": []}}\n");
            var started = DateTime.ParseExact(relative.Split('/')[1], RunStore.StampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            File.SetLastWriteTimeUtc(results, started + took!.Value);
        }
        if (report)
        {
            File.WriteAllText(Path.Combine(directory, "index.html"), Report(relative));
            File.WriteAllBytes(Path.Combine(directory, "latency.png"), Png);
            File.WriteAllText(Path.Combine(directory, "latency.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
        }
    }

    public void Dispose()
    {
        foreach (var path in new[] { Root, Outside })
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Still open somewhere: the OS's temp directory cleans it.
            }
        }
    }
}

public sealed class RunCatalogTests : IDisposable
{
    private readonly TestStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public void Scan_ListsEveryRunNewestFirst_WithVerdictStatusAndDuration()
    {
        var runs = RunCatalog.Scan(store.Root);

        Assert.Equal([TestStore.Running, TestStore.Invalid, TestStore.Valid, TestStore.Broken], runs.Select(r => r.Directory));
        var valid = runs.Single(r => r.Directory == TestStore.Valid);
        Assert.Equal("leader-sync", valid.Test);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 10, 15, 0, 123, TimeSpan.Zero), valid.Started);
        Assert.Equal("valid", valid.Verdict);
        Assert.Equal("ok", valid.Status);
        Assert.Equal(TimeSpan.FromSeconds(42), valid.Duration);
        Assert.True(valid.HasReport);

        var invalid = runs.Single(r => r.Directory == TestStore.Invalid);
        // Recorded by the run (durationSeconds), which wins over the time results.json was written.
        Assert.Equal(("invalid", "ok", TimeSpan.FromSeconds(61.5)), (invalid.Verdict, invalid.Status, invalid.Duration!.Value));
    }

    [Fact]
    public void Scan_ARunWithoutResults_IsIncompleteWithoutVerdict()
    {
        var running = RunCatalog.Scan(store.Root).Single(r => r.Directory == TestStore.Running);

        Assert.Null(running.Verdict);
        Assert.Equal(RunCatalog.Incomplete, running.Status);
        Assert.Null(running.Duration);
        Assert.False(running.HasReport);
    }

    [Fact]
    public void Scan_HalfWrittenResults_ListedWithoutVerdict_NeverThrows()
    {
        var broken = RunCatalog.Scan(store.Root).Single(r => r.Directory == TestStore.Broken);

        Assert.Null(broken.Verdict);
        Assert.Equal("unreadable results.json", broken.Status);
        Assert.Null(broken.Duration);
    }

    [Fact]
    public void Scan_SkipsLatestLinksAndDirectoriesThatHoldNoRun()
    {
        var runs = RunCatalog.Scan(store.Root);

        Assert.DoesNotContain(runs, r => r.Test == "latest" || r.Test == "outside");
        Assert.DoesNotContain(runs, r => r.Directory.EndsWith("20261206T000000.000Z", StringComparison.Ordinal));   // only logs/
        Assert.DoesNotContain(runs, r => r.Directory.EndsWith("20261207T000000.000Z", StringComparison.Ordinal));   // a link
        Assert.Equal(4, runs.Count);
    }

    [Fact]
    public void Scan_ADirectoryNotNamedByAStamp_StartsWhenItsTestJsonWasWritten()
    {
        var renamed = store.Full("leader-sync/my-copy");
        Directory.CreateDirectory(renamed);
        File.WriteAllText(Path.Combine(renamed, "test.json"), "{}");
        var written = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(renamed, "test.json"), written);

        var run = RunCatalog.Scan(store.Root).Single(r => r.Directory == "leader-sync/my-copy");

        Assert.Equal(new DateTimeOffset(written), run.Started);
        Assert.Equal(TestStore.Broken, RunCatalog.Scan(store.Root)[^2].Directory);   // oldest but one: after the stamped runs
    }

    [Fact]
    public void Scan_AStoreThatDoesNotExist_HasNoRuns() =>
        Assert.Empty(RunCatalog.Scan(Path.Combine(store.Root, "no-such-store")));
}
