using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Ddia.Verify.History;

namespace Ddia.Verify.SystemBench;

/// <summary>
/// <c>--isolation-levels</c>: the transactional reference store (<c>ddia-node --system txn</c>) at each isolation level,
/// one fresh node per run on loopback, under closed-loop clients running interactive read-modify-write transactions
/// over HTTP (one request per micro-op). Writes committed/s, abort rate and reasons, and commit latency per level and
/// client count to a markdown file.
/// </summary>
internal static class IsolationBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // A sample's F: "commit" for a committed transaction, the store's reason for an abort, what went wrong for an error.
    private const string Committed = "commit";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        IsolationOptions options;
        string nodeProgram;
        try
        {
            options = IsolationOptions.Parse(args);
            nodeProgram = NodeBinary.Find();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        // Ctrl-C, SIGTERM and SIGHUP cancel the run instead of ending the process, so that the finally blocks kill the
        // node and delete its directory (a killed benchmark otherwise leaves ddia-node orphaned).
        var signals = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }
            .Select(s => PosixSignalRegistration.Create(s, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            }))
            .ToList();
        try
        {
            return await RunAsync(options, nodeProgram, stop).ConfigureAwait(false);
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
        }
    }

    private static async Task<int> RunAsync(IsolationOptions options, string nodeProgram, CancellationTokenSource stop)
    {

        var runs = new Dictionary<(string Level, int Clients), List<SystemResult>>();
        var total = Stopwatch.StartNew();
        try
        {
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Every level once per round, so that a slow spell of the machine hits one round of each, not one level.
                foreach (var clients in options.Clients)
                {
                    foreach (var level in options.Levels)
                    {
                        var result = await MeasureAsync(nodeProgram, level, clients, round, options, stop.Token).ConfigureAwait(false);
                        var key = (level, clients);
                        if (!runs.TryGetValue(key, out var list)) runs[key] = list = [];
                        list.Add(result);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted: no report written");
            return 130;
        }

        MarkdownReport.Write(options.Output, Report(runs, options, total.Elapsed));
        return 0;
    }

    private static async Task<SystemResult> MeasureAsync(string nodeProgram, string level, int clients, int round, IsolationOptions o,
        CancellationToken cancellation)
    {
        using var node = await TxnNodeProcess.StartAsync(nodeProgram, level, cancellation).ConfigureAwait(false);
        try
        {
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = o.RequestTimeout };
            var clock = Stopwatch.StartNew();
            var from = Stopwatch.Frequency * o.WarmUpSeconds;
            var to = from + (Stopwatch.Frequency * o.Seconds);
            // CPU is read at the window's edges, beside the load.
            var window = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(o.WarmUpSeconds), cancellation).ConfigureAwait(false);
                var (server, client) = (Cpu.Seconds(node.Pid), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
                await Task.Delay(TimeSpan.FromSeconds(o.Seconds), cancellation).ConfigureAwait(false);
                return (Cpu.Seconds(node.Pid) - server, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - client);
            }, cancellation);
            var perClient = await Task.WhenAll(Enumerable.Range(0, clients)
                .Select(c => Task.Run(() => ClientAsync(http, c, round, clock, from, to, o, cancellation), cancellation))).ConfigureAwait(false);
            var (serverCpu, clientCpu) = await window.ConfigureAwait(false);
            var result = new SystemResult(level, [.. perClient.SelectMany(s => s)], o.Seconds, serverCpu, clientCpu);
            Console.WriteLine(string.Create(Inv,
                $"round {round}, {level}, {clients} clients: {result.OkPerSecond():F0} committed/s, abort {AbortPercent(result):F1}%, errors {result.Count(OpType.Info)}, p50 {result.Percentile(50):F1} ms"));
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"--- ddia-node ({level}) output (end) ---\n{node.OutputTail()}");
            throw;
        }
    }

    /// <summary>A closed loop: the next transaction starts when the last one ended. Transactions ending inside the
    /// window (after the warm-up) are kept.</summary>
    private static async Task<List<Sample>> ClientAsync(HttpClient http, int client, int round, Stopwatch clock, long from, long to,
        IsolationOptions o, CancellationToken cancellation)
    {
        // Seeded by client and round: every level meets the same key sequence per client.
        var random = new Random((client * 7919) + round);
        var samples = new List<Sample>(capacity: 1 << 12);
        long written = 0;
        while (clock.ElapsedTicks < to && !cancellation.IsCancellationRequested)
        {
            var start = clock.ElapsedTicks;
            var (type, f) = await TransactionAsync(http, random, (client * 1_000_000_000L) + (written += 2), o, cancellation).ConfigureAwait(false);
            var end = clock.ElapsedTicks;
            if (end >= from && end <= to) samples.Add(new Sample(f, type, end - start));
        }
        return samples;
    }

    /// <summary>begin, read 2 random keys, write (or append to) 2 random keys, commit: one request each.</summary>
    private static async Task<(OpType Type, string F)> TransactionAsync(HttpClient http, Random random, long value, IsolationOptions o,
        CancellationToken cancellation)
    {
        long? id = null;
        try
        {
            using (var begin = await http.PostAsync(new Uri("txn/begin", UriKind.Relative), null, cancellation).ConfigureAwait(false))
            {
                if (!begin.IsSuccessStatusCode) return (OpType.Info, $"begin: HTTP {(int)begin.StatusCode}");
                using var json = JsonDocument.Parse(await begin.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
                id = json.RootElement.GetProperty("txn").GetInt64();
            }
            var steps = new (string Op, string Body)[4];
            for (var i = 0; i < 2; i++) steps[i] = ("read", Body($"{{\"key\":{random.Next(o.Keys)}}}"));
            for (var i = 2; i < 4; i++)
            {
                var key = random.Next(o.Keys);
                steps[i] = o.Mutation == "append"
                    ? ("append", Body($"{{\"key\":{key},\"element\":{value + i - 2}}}"))
                    : ("write", Body($"{{\"key\":{key},\"value\":{value + i - 2}}}"));
            }
            foreach (var (op, body) in steps)
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(new Uri($"txn/{id}/{op}", UriKind.Relative), content, cancellation).ConfigureAwait(false);
                if (await OutcomeAsync(response, op, cancellation).ConfigureAwait(false) is { } ended)
                {
                    if (ended.Type == OpType.Info) await AbortQuietlyAsync(http, id.Value).ConfigureAwait(false);
                    return ended;
                }
            }
            using var commit = await http.PostAsync(new Uri($"txn/{id}/commit", UriKind.Relative), null, cancellation).ConfigureAwait(false);
            return await OutcomeAsync(commit, "commit", cancellation).ConfigureAwait(false) ?? (OpType.Ok, Committed);
        }
        catch (HttpRequestException e) when (!cancellation.IsCancellationRequested)
        {
            if (id is { } open) await AbortQuietlyAsync(http, open).ConfigureAwait(false);
            return (OpType.Info, $"HTTP error ({e.HttpRequestError})");
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            if (id is { } open) await AbortQuietlyAsync(http, open).ConfigureAwait(false);
            return (OpType.Info, "request timeout");
        }
    }

    private static string Body(FormattableString json) => json.ToString(Inv);

    /// <summary>null while the transaction goes on; a 409 is the store's abort (Fail, its reason), anything else an error (Info).</summary>
    private static async Task<(OpType Type, string F)?> OutcomeAsync(HttpResponseMessage response, string op, CancellationToken cancellation)
    {
        var text = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return null;
        if (response.StatusCode != HttpStatusCode.Conflict) return (OpType.Info, $"{op}: HTTP {(int)response.StatusCode}");
        try
        {
            using var json = JsonDocument.Parse(text);
            return (OpType.Fail, json.RootElement.TryGetProperty("reason", out var r) && r.GetString() is { } reason ? reason : "unknown");
        }
        catch (JsonException)
        {
            return (OpType.Fail, "unknown");
        }
    }

    /// <summary>After an error the transaction may still hold locks (2PL, serial): release them rather than wait for
    /// the node's idle sweep.</summary>
    private static async Task AbortQuietlyAsync(HttpClient http, long id)
    {
        try
        {
            using var response = await http.PostAsync(new Uri($"txn/{id}/abort", UriKind.Relative), null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Best effort: the node ends idle transactions itself.
        }
    }

    private static double Attempted(SystemResult r) => r.Samples.Count / (double)r.Seconds;

    private static double AbortPercent(SystemResult r) => r.Samples.Count == 0 ? 0 : 100.0 * r.Count(OpType.Fail) / r.Samples.Count;

    private static List<(string Reason, long Count)> Reasons(SystemResult r) =>
        [.. r.Samples.Where(s => s.Type == OpType.Fail).GroupBy(s => s.F).Select(g => (g.Key, g.LongCount())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal)];

    private static List<string> Report(Dictionary<(string Level, int Clients), List<SystemResult>> runs, IsolationOptions o, TimeSpan elapsed)
    {
        // Per level and client count, the round with the median committed/s (all rounds listed beside it).
        SystemResult? Median(string level, int clients) =>
            runs.TryGetValue((level, clients), out var list) ? list.OrderBy(r => r.OkPerSecond()).ElementAt(list.Count / 2) : null;

        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var mutation = o.Mutation == "append" ? "appends to" : "writes (a fresh unique number to)";
        var lines = new List<string>
        {
            "# Transactional store: throughput and aborts by isolation level",
            "",
            string.Create(Inv, $"Recorded {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `{o.CommandLine()}` (no root needed) on {Environment.ProcessorCount} cores{(cpu is null ? "" : $" ({cpu})")}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; the whole run took {elapsed.TotalMinutes:F1} min."),
            "",
            string.Create(Inv, $"Each run starts a fresh `ddia-node --system txn --isolation LEVEL` on 127.0.0.1 (a free port, a new temporary data directory, fsync of every commit record as shipped, the store's 5 s lock wait) and kills it afterwards. {o.Clients.Count} client counts × {o.Levels.Count} levels × {o.Rounds} rounds; each round runs every level once. Load: closed-loop clients sharing the machine with the node, each transaction interactive over HTTP, one request per step: begin, read 2 keys, {mutation} 2 keys, commit; keys uniformly random among {o.Keys}. No retries: a 409 counts as an abort (its reason as the store gave it); other failures (HTTP 5xx, timeouts) are errors. Transactions ending in the {o.Seconds} s window after {o.WarmUpSeconds} s warm-up count. Each row is the median round by committed/s (all rounds beside it). Latency: begin to commit acknowledgement of committed transactions. Server CPU: the node process over the window, per committed transaction."),
            "",
            "| isolation | clients | committed/s | per round | attempted/s | abort % | top abort reason (share of aborts) | errors | p50 ms | p99 ms | server CPU ms/commit |",
            "|---|---:|---:|---|---:|---:|---|---:|---:|---:|---:|",
        };
        foreach (var clients in o.Clients)
        {
            foreach (var level in o.Levels)
            {
                if (Median(level, clients) is not { } r) continue;
                var perRound = string.Join(", ", runs[(level, clients)].Select(x => x.OkPerSecond().ToString("N0", Inv)));
                var reasons = Reasons(r);
                var aborts = r.Count(OpType.Fail);
                var top = reasons.Count == 0 ? "–" : string.Create(Inv, $"{reasons[0].Reason} ({100.0 * reasons[0].Count / aborts:F0}%)");
                lines.Add(string.Create(Inv,
                    $"| {level} | {clients} | {r.OkPerSecond():N0} | {perRound} | {Attempted(r):N0} | {AbortPercent(r):F1} | {top} | {r.Count(OpType.Info)} | {Ms(r.Percentile(50))} | {Ms(r.Percentile(99))} | {r.ServerCpuMsPerOp:F2} |"));
            }
        }

        // Every reason seen anywhere gets a column, so that a reason no row expects still shows.
        var allReasons = runs.Values.SelectMany(l => l).SelectMany(Reasons).Select(x => x.Reason).Distinct().Order(StringComparer.Ordinal).ToList();
        if (allReasons.Count > 0)
        {
            lines.Add("");
            lines.Add("Abort reasons, % of attempted transactions (same median rounds):");
            lines.Add("");
            lines.Add($"| isolation | clients | {string.Join(" | ", allReasons)} |");
            lines.Add($"|---|---:|{string.Concat(allReasons.Select(_ => "---:|"))}");
            foreach (var clients in o.Clients)
            {
                foreach (var level in o.Levels)
                {
                    if (Median(level, clients) is not { } r) continue;
                    var counts = Reasons(r).ToDictionary(x => x.Reason, x => x.Count);
                    var cells = allReasons.Select(reason => counts.TryGetValue(reason, out var n) ? (100.0 * n / r.Samples.Count).ToString("F1", Inv) : "0");
                    lines.Add($"| {level} | {clients} | {string.Join(" | ", cells)} |");
                }
            }
        }
        var errors = runs.Values.SelectMany(l => l).SelectMany(r => r.Samples).Where(s => s.Type == OpType.Info)
            .GroupBy(s => s.F).Select(g => string.Create(Inv, $"{g.Key} × {g.Count()}")).ToList();
        if (errors.Count > 0)
        {
            lines.Add("");
            lines.Add($"Errors over all rounds: {string.Join(", ", errors)}.");
        }

        lines.Add("");
        lines.Add("## Reading (computed from the table)");
        lines.Add("");
        foreach (var clients in o.Clients)
        {
            var sentences = new List<string>();
            var si = Median("snapshot", clients);
            if (si is not null && Median("serializable", clients) is { } ssi)
            {
                sentences.Add(string.Create(Inv,
                    $"serializable (SSI) commits {Relative(ssi.OkPerSecond(), si.OkPerSecond())} than snapshot isolation ({ssi.OkPerSecond():N0} vs {si.OkPerSecond():N0}/s), aborting {AbortPercent(ssi):F1}% of attempts against {AbortPercent(si):F1}%; p50 latency {ssi.Percentile(50) / si.Percentile(50):F2}× SI's"));
            }
            if (si is not null)
            {
                foreach (var level in new[] { "2pl", "serial", "read-committed" })
                {
                    if (Median(level, clients) is not { } r) continue;
                    var reasons = Reasons(r);
                    var mostly = reasons.Count == 0 ? "" : $", mostly {reasons[0].Reason}";
                    sentences.Add(string.Create(Inv,
                        $"{level} commits {r.OkPerSecond() / si.OkPerSecond():F2}× SI's throughput ({AbortPercent(r):F1}% aborts{mostly}; p50 {r.Percentile(50) / si.Percentile(50):F2}×, p99 {r.Percentile(99) / si.Percentile(99):F2}× SI's)"));
                }
            }
            var ranked = o.Levels.Select(l => (Level: l, R: Median(l, clients))).Where(x => x.R is not null).OrderByDescending(x => x.R!.OkPerSecond()).ToList();
            if (ranked.Count > 1)
                sentences.Add($"by committed/s: {string.Join(" > ", ranked.Select(x => x.Level))}");
            if (sentences.Count > 0) lines.Add($"- **{clients.ToString(Inv)} clients:** {string.Join("; ", sentences)}.");
        }
        if (o.Clients.Count > 1)
        {
            var (low, high) = (o.Clients.Min(), o.Clients.Max());
            var scaling = o.Levels
                .Where(l => Median(l, low) is not null && Median(l, high) is not null)
                .Select(l => string.Create(Inv,
                    $"{l} {Signed(Median(l, high)!.OkPerSecond() / Median(l, low)!.OkPerSecond() - 1)} committed/s, abort rate {AbortPercent(Median(l, low)!):F1}% → {AbortPercent(Median(l, high)!):F1}%"))
                .ToList();
            if (scaling.Count > 0) lines.Add($"- **{low.ToString(Inv)} → {high.ToString(Inv)} clients:** {string.Join("; ", scaling)}.");
        }
        return lines;
    }

    private static string Ms(double ms) => double.IsNaN(ms) ? "–" : ms.ToString("F1", Inv);

    /// <summary>"12% fewer" / "3% more", relative to the baseline.</summary>
    private static string Relative(double value, double baseline)
    {
        var change = (value / baseline) - 1;
        return string.Create(Inv, $"{Math.Abs(change) * 100:F0}% {(change < 0 ? "fewer transactions/s" : "more transactions/s")}");
    }

    private static string Signed(double fraction)
    {
        // Rounded first, so that a change too small to show reads ±0%, not −0%.
        var percent = Math.Round(fraction * 100);
        return string.Create(Inv, $"{(percent > 0 ? "+" : percent < 0 ? "−" : "±")}{Math.Abs(percent):F0}%");
    }
}
