using System.Text;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>
/// A harness killed with SIGKILL runs no finalizer, no Dispose and no flush: whatever the history writer
/// handed to the operating system is all there is. These tests stop using a writer without disposing
/// or flushing it (what SIGKILL leaves), read the file through a second handle, and then append half a
/// line by hand, as a process killed mid-write leaves it.
/// </summary>
public class CrashedWriterTests(ScratchDir dir) : IClassFixture<ScratchDir>
{
    /// <summary>p(i mod 3) writes i, one op after another: 2n events, linearizable.</summary>
    private static Op[] SequentialWrites(int n) =>
        Enumerable.Range(0, n)
            .SelectMany(i => new[]
            {
                new Op(2 * i, 100L * i, OpType.Invoke, i % 3, "write", Value.Of(i)),
                new Op(2 * i + 1, 100L * i + 50, OpType.Ok, i % 3, "write", Value.Of(i)),
            })
            .ToArray();

    private static HistoryFile ReadThroughASecondHandle(string path)
    {
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return JsonlHistory.ReadLines(reader, path);
    }

    [Fact]
    public void Writer_WhenNeverDisposed_HasHandedEveryAppendedOpToTheOs()
    {
        var path = Path.Combine(dir.Path, "killed.jsonl");
        var ops = SequentialWrites(10);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        var writer = new JsonlHistoryWriter(stream);
        try
        {
            for (var i = 0; i < ops.Length; i++)
            {
                writer.Append(ops[i]);
                var seen = ReadThroughASecondHandle(path);
                Assert.Equal(ops[..(i + 1)], seen.History);
                Assert.Empty(seen.Warnings);
            }

            // Killed in the middle of writing op 20: half a line, no newline.
            stream.Write(Encoding.UTF8.GetBytes("{\"index\":20,\"time\":1000,\"process\":1,\"type\":\"inv"));
            stream.Flush();

            var crashed = ReadThroughASecondHandle(path);
            Assert.Equal(ops, crashed.History);
            var warning = Assert.Single(crashed.Warnings);
            Assert.Contains($"{path}:21", warning, StringComparison.Ordinal);

            var run = Cli.Run("check", path);
            Assert.True(run.Exit == ExitCodes.Valid, run.ToString());
            Assert.Contains("20 events", run.Stdout, StringComparison.Ordinal);
            Assert.StartsWith("warning: ", run.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{path}:21", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void Writer_CreatedForAPath_FlushesEachOp()
    {
        var path = Path.Combine(dir.Path, "created.jsonl");
        var ops = SequentialWrites(3);
        var writer = JsonlHistoryWriter.Create(path);
        try
        {
            foreach (var op in ops) writer.Append(op);
            Assert.Equal(ops, ReadThroughASecondHandle(path).History);
            Assert.Equal(ops, HistoryReader.Read(path).History);   // detection works on a file still being written
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void Writer_WithoutFlushEachOp_KeepsOpsInTheBuffer()
    {
        // The control for the tests above: without the per-op flush, a 64 KiB FileStream buffer would hold
        // these ops and a SIGKILL would lose them, so reading them back is evidence of the flush.
        var path = Path.Combine(dir.Path, "buffered.jsonl");
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        var writer = new JsonlHistoryWriter(stream, flushEachOp: false);
        try
        {
            foreach (var op in SequentialWrites(10)) writer.Append(op);
            Assert.Empty(ReadThroughASecondHandle(path).History);
        }
        finally
        {
            writer.Dispose();
        }
        Assert.Equal(SequentialWrites(10), ReadThroughASecondHandle(path).History);
    }
}
