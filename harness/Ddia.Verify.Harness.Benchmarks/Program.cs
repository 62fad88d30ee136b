using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Run;
using Ddia.Verify.History.Formats;

// Harness overhead: how many ops a second the interpreter, the scheduler and the history writer
// sustain with a client that does nothing (Jepsen's generator does about 20,000). Median of 5 runs,
// after a warm-up; every op is written and flushed to a real file, as in a real run.
var output = args.Length > 1 && args[0] == "--out" ? args[1] : "bench/HARNESS.md";
var inv = CultureInfo.InvariantCulture;
var lines = new List<string>
{
    "# Harness benchmarks",
    "",
    string.Create(inv, $"Recorded {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `make bench` on {Environment.ProcessorCount} cores, .NET {Environment.Version}."),
    "Interpreter + scheduler + JSON Lines writer (flushed per op) with an in-process no-op client; median of 5 runs after a warm-up.",
    "",
    "| concurrency | ops | ops/s (median) | min–max |",
    "|---:|---:|---:|---|",
};
foreach (var concurrency in new[] { 1, 10, 50 })
{
    const int ops = 100_000;
    await Measure(concurrency, 10_000);
    var rates = new List<double>();
    for (var run = 0; run < 5; run++) rates.Add(await Measure(concurrency, ops));
    rates.Sort();
    lines.Add(string.Create(inv, $"| {concurrency} | {ops:N0} | {rates[2]:N0} | {rates[0]:N0}–{rates[^1]:N0} |"));
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllLines(output, lines);
Console.WriteLine(string.Join(Environment.NewLine, lines));
return 0;

static async Task<double> Measure(int concurrency, int ops)
{
    var nodes = ImmutableArray.Create(new Node("n1", "in-process"));
    var test = new TestContext("bench", nodes, 1, TimeProvider.System);
    var clients = Enumerable.Repeat<IClient>(NoopClient.Instance, concurrency).ToList();
    var path = Path.Combine(Path.GetTempPath(), $"ddia-harness-bench-{Environment.ProcessId}.jsonl");
    var generator = Gen.Clients(Gen.Limit(ops, Gen.Repeat(new OpTemplate("read"))));
    GC.Collect();
    var clock = Stopwatch.StartNew();
    using (var recorder = new HistoryRecorder(JsonlHistoryWriter.Create(path)))
        await Interpreter.RunAsync(test, generator, clients, NoopNemesis.Instance, recorder, TimeSpan.FromSeconds(10), CancellationToken.None);
    var rate = ops / clock.Elapsed.TotalSeconds;
    File.Delete(path);
    return rate;
}
