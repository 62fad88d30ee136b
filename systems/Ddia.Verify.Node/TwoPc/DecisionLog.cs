using System.Globalization;
using System.Text;

namespace Ddia.Verify.Node.TwoPc;

/// <summary>
/// The coordinator's decision log, <c>DIR/coordinator.log</c>: text lines <c>COMMIT {gtid} {p1,p2,...} end</c>, fsynced
/// before phase 2 starts (the commit point of the global transaction), and <c>DONE {gtid} end</c> once every participant
/// acknowledged (not fsynced: losing it only repeats an idempotent phase 2). Aborts are never logged: a global id the
/// log does not name as committed is presumed aborted. The trailing <c>end</c> makes a line torn by a crash unparseable,
/// so it is ignored (its COMMIT was never fsynced, so nobody was told commit).
/// Thread-safe.
/// </summary>
internal sealed class DecisionLog : IDisposable
{
    public const string FileName = "coordinator.log";

    private readonly Lock gate = new();
    private readonly FileStream file;

    private DecisionLog(FileStream file)
    {
        this.file = file;
    }

    /// <summary>Reads the log, keeps only the commits not yet done (rewritten via a temporary file, fsynced and renamed
    /// over it), and returns those with their participants.</summary>
    public static DecisionLog Open(string directory, out IReadOnlyDictionary<string, int[]> unfinished)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var pending = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split(' ');
                if (parts is ["COMMIT", var gtid, var list, "end"] && ParseIds(list) is { } ids) pending[gtid] = ids;
                else if (parts is ["DONE", var done, "end"]) pending.Remove(done);
            }
        }
        var temp = path + ".tmp";
        using (var t = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            t.Write(Encoding.UTF8.GetBytes(string.Concat(pending.Select(kv => CommitLine(kv.Key, kv.Value)))));
            t.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        unfinished = pending;
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1);
        return new DecisionLog(file);
    }


    /// <summary>The commit point: durable when this returns.</summary>
    public void AppendCommit(string gtid, IReadOnlyCollection<int> participants) => Append(CommitLine(gtid, participants), fsync: true);

    public void AppendDone(string gtid) => Append($"DONE {gtid} end\n", fsync: false);

    private void Append(string line, bool fsync)
    {
        lock (gate)
        {
            file.Write(Encoding.UTF8.GetBytes(line));
            file.Flush(flushToDisk: fsync);
        }
    }

    private static string CommitLine(string gtid, IEnumerable<int> participants) =>
        $"COMMIT {gtid} {string.Join(',', participants.Select(p => p.ToString(CultureInfo.InvariantCulture)))} end\n";

    private static int[]? ParseIds(string list)
    {
        var ids = new List<int>();
        foreach (var s in list.Split(','))
        {
            if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return null;
            ids.Add(id);
        }
        return [.. ids];
    }

    public void Dispose()
    {
        lock (gate) file.Dispose();
    }
}
