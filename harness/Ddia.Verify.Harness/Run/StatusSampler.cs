using System.Text;
using System.Text.Json;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Harness.Run;

/// <summary>
/// Asks every node for its status (<see cref="IReportsStatus"/>) every <see cref="Interval"/> while the run goes, all
/// nodes in parallel, and appends each answer to status.jsonl as one line
/// <c>{"time": ns, "node": "n1", "status": {…} | null}</c>, flushed after each round, so a crashed run keeps what it
/// had. Times are nanoseconds since the same start as the history's op times, so samples line up with ops and faults;
/// all samples of one round carry the time it began. A round waits for every node (a paused node costs it the
/// status request's timeout, about a second), so rounds never overlap and times never go backwards. Never fails
/// the run: a node that throws counts as not answering, and a file that cannot be written ends the sampling.
/// </summary>
public sealed class StatusSampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private StatusSampler(IReportsStatus db, TestContext test, string path, long startTimestamp, TimeSpan interval) =>
        loop = Task.Run(() => RunAsync(db, test, path, startTimestamp, interval, stop.Token));

    /// <summary>Starts sampling when <paramref name="db"/> reports status; null (nothing to stop) when it does not.</summary>
    /// <param name="startTimestamp">The run's start on <see cref="TestContext.Time"/>'s timestamp scale: the zero of op times.</param>
    public static StatusSampler? Start(IDb db, TestContext test, string path, long startTimestamp, TimeSpan? interval = null) =>
        db is IReportsStatus status ? new StatusSampler(status, test, path, startTimestamp, interval ?? Interval) : null;

    /// <summary>Stops sampling (a round in flight is dropped) and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-round, as asked.
        }
        stop.Dispose();
    }

    private static async Task RunAsync(IReportsStatus db, TestContext test, string path, long start, TimeSpan interval, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(interval, test.Time);
        await using var output = Open(path);
        if (output is null) return;   // no samples, but the run goes on
        do
        {
            var time = test.Time.GetElapsedTime(start).Ticks * 100;
            var answers = await Task.WhenAll(test.Nodes.Select(n => AskAsync(db, test, n, cancellation)));
            try
            {
                for (var i = 0; i < answers.Length; i++) await output.WriteLineAsync(Line(time, test.Nodes[i].Name, answers[i]));
                await output.FlushAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;   // disk full or gone: the run matters more than its samples
            }
        }
        while (await timer.WaitForNextTickAsync(cancellation));
    }

    private static StreamWriter? Open(string path)
    {
        try
        {
            return new StreamWriter(path, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The node's status as compact JSON (one line, whatever the node's formatting); null when it does not
    /// answer, throws, or answers something that is not JSON.</summary>
    private static async Task<string?> AskAsync(IReportsStatus db, TestContext test, Node node, CancellationToken cancellation)
    {
        try
        {
            var json = await db.StatusJsonAsync(test, node, cancellation);
            if (json is null) return null;
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return null;
        }
    }

    private static string Line(long time, string node, string? status)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("time", time);
            json.WriteString("node", node);
            json.WritePropertyName("status");
            if (status is null) json.WriteNullValue();
            else json.WriteRawValue(status, skipInputValidation: true);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a status.jsonl back; lines that cannot be read (the torn last line of a killed run) are skipped.</summary>
    public static IReadOnlyList<Reports.StatusSample> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var samples = new List<Reports.StatusSample>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("time", out var time) || time.ValueKind != JsonValueKind.Number || !time.TryGetInt64(out var ns)
                    || !root.TryGetProperty("node", out var node) || node.ValueKind != JsonValueKind.String
                    || !root.TryGetProperty("status", out var status))
                    continue;
                samples.Add(new Reports.StatusSample(ns, node.GetString()!, status.ValueKind == JsonValueKind.Null ? null : status.GetRawText()));
            }
            catch (JsonException)
            {
                // torn or foreign line
            }
        }
        return samples;
    }
}
