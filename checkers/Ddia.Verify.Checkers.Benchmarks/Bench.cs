using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Checkers.Benchmarks;

/// <summary>
/// The checker benchmarks behind `make bench`. Timing rules, so the figures can be trusted:
/// Release build, every case warmed up first, then the median of several runs with a full GC
/// before each; parsing is timed apart from checking; peak memory of the big generated histories is
/// read from the kernel (VmHWM) in a fresh child process that only reads and checks that one file.
/// Never run as a unit test.
/// </summary>
public static class Bench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Main(string[] args)
    {
        if (args is ["--child", var path]) return Child(path);
        if (args is ["--txn-child", var n, var model, var r, var database]) return TxnBench.Child(int.Parse(n, Inv), model, int.Parse(r, Inv), database);
        var corpora = Arg(args, "--corpora") ?? "../shared/corpora";
        var output = Arg(args, "--out") ?? "bench/RESULTS.md";
        var runs = int.Parse(Arg(args, "--runs") ?? "7", Inv);
        var sizes = (Arg(args, "--sizes") ?? "10000,100000,1000000").Split(',').Select(s => int.Parse(s, Inv)).ToArray();
        if (args.Contains("--transactions")) return TxnBench.Run(args, output, sizes, runs);

        var md = new StringBuilder();
        md.AppendLine("# Checker benchmarks");
        md.AppendLine();
        md.AppendLine(Inv, $"Recorded {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `make bench` on {Environment.ProcessorCount} cores ({CpuModel()}), .NET {Environment.Version}.");
        md.AppendLine(Inv, $"Median of {runs} runs after a warm-up, full GC before each; check time excludes parsing unless stated. Porcupine's own times are from ../shared/corpora/porcupine/BASELINE.tsv (same machine kind, 2 cores).");
        md.AppendLine();

        var baseline = Baseline(Path.Combine(corpora, "porcupine", "BASELINE.tsv"));
        Porcupine(md, corpora, runs, baseline);
        Knossos(md, corpora, runs);
        Generated(md, sizes);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, md.ToString());
        Console.WriteLine(md.ToString());
        Console.WriteLine($"written to {output}");
        return 0;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Median milliseconds of <paramref name="runs"/> checks, after one warm-up; also returns the verdict.</summary>
    private static (double Ms, double Min, double Max, Validity Validity) Time(Func<LinearizabilityResult> check, int runs)
    {
        var verdict = check().Validity;
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var clock = Stopwatch.StartNew();
            var v = check().Validity;
            times[i] = clock.Elapsed.TotalMilliseconds;
            if (v != verdict) throw new InvalidOperationException("verdict changed between runs");
        }
        Array.Sort(times);
        return (times[runs / 2], times[0], times[^1], verdict);
    }

    private static void Porcupine(StringBuilder md, string corpora, int runs, Dictionary<(string, string), double> baseline)
    {
        md.AppendLine("## Porcupine corpus");
        md.AppendLine();
        md.AppendLine("| history | model | ops | verdict | ms (median) | min–max | Porcupine ms | speed-up |");
        md.AppendLine("|---|---|---:|---|---:|---|---:|---:|");
        double etcdOurs = 0, etcdTheirs = 0;
        var etcdFiles = 0;
        foreach (var path in Directory.GetFiles(Path.Combine(corpora, "porcupine", "jepsen")).Order(StringComparer.Ordinal))
        {
            if (new FileInfo(path).Length == 0) continue;   // etcd_095.log is empty and untested upstream
            var file = HistoryReader.Read(path);
            var model = ModelCatalog.Create("cas-register", null, file.Conventions);
            var t = Time(() => model.Check(file.History, new LinearizabilityOptions()), runs);
            var name = "jepsen/" + Path.GetFileName(path);
            var theirs = baseline.GetValueOrDefault((name, "etcd-cas-register"));
            etcdOurs += t.Ms;
            etcdTheirs += theirs;
            etcdFiles++;
            Row(md, name, "cas-register", file, t, theirs);
        }
        foreach (var path in Directory.GetFiles(Path.Combine(corpora, "porcupine", "kv")).Order(StringComparer.Ordinal))
        {
            var file = HistoryReader.Read(path);
            var name = "kv/" + Path.GetFileName(path);
            foreach (var (model, key) in new[] { ("kv", "kv-partitioned"), ("kv-map", "kv-nopartition") })
            {
                var m = ModelCatalog.Create(model, null, file.Conventions);
                var limit = TimeSpan.FromSeconds(60);
                var t = Time(() => m.Check(file.History, new LinearizabilityOptions { Timeout = limit }), model == "kv-map" && name.Contains("c50", StringComparison.Ordinal) ? 1 : runs);
                Row(md, name, model, file, t, baseline.GetValueOrDefault((name, key)));
            }
        }
        md.AppendLine();
        md.AppendLine(Inv, $"**etcd total** ({etcdFiles} non-empty logs): {etcdOurs:0.0} ms here, {etcdTheirs:0.0} ms for Porcupine ({etcdTheirs / etcdOurs:0.0}× faster).");
        md.AppendLine();
    }

    private static void Row(StringBuilder md, string name, string model, HistoryFile file, (double Ms, double Min, double Max, Validity Validity) t, double theirs)
    {
        var ops = file.History.Count(o => o.IsClient && o.IsInvoke);
        var speedup = theirs > 0 ? $"{theirs / t.Ms:0.0}×" : "";
        var porcupine = theirs > 0 ? theirs.ToString("0.000", Inv) : "";
        md.AppendLine(Inv, $"| {name} | {model} | {ops} | {t.Validity.Name()} | {t.Ms:0.000} | {t.Min:0.000}–{t.Max:0.000} | {porcupine} | {speedup} |");
    }

    private static void Knossos(StringBuilder md, string corpora, int runs)
    {
        md.AppendLine("## Knossos corpus");
        md.AppendLine();
        // The same cases `make run` checks: model and initial value as the manifest names them.
        var cases = Corpus.Load(corpora).Where(c => c.Corpus == "knossos").ToArray();
        double total = 0, slowest = 0;
        var slowestName = "";
        foreach (var c in cases)
        {
            var file = HistoryReader.Read(c.Path);
            var initial = c.InitialValue is null ? null : LinearizabilityRun.ParseValue(c.InitialValue);
            var m = ModelCatalog.Create(c.Model, initial, file.Conventions);
            var t = Time(() => m.Check(file.History, new LinearizabilityOptions()), runs);
            total += t.Ms;
            if (t.Ms > slowest) (slowest, slowestName) = (t.Ms, c.File);
        }
        md.AppendLine(Inv, $"{cases.Length} histories: **{total:0.0} ms** in total (sum of medians); slowest {slowestName} at {slowest:0.000} ms.");
        md.AppendLine();
    }

    private static void Generated(StringBuilder md, int[] sizes)
    {
        md.AppendLine("## Generated histories");
        md.AppendLine();
        md.AppendLine("Linearizable cas-register histories from `HistoryGenerator` (seed 1): 10 keys, 50 processes, 1% of ops `info`, values 0..4 (many equal writes, the hard case). Each is written as JSON Lines, then read and checked once in a fresh process; peak memory is that process's VmHWM.");
        md.AppendLine();
        md.AppendLine("| ops | events | file MB | verdict | read s | check s | total s | peak MiB |");
        md.AppendLine("|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var path = Path.Combine(Path.GetTempPath(), $"ddia-bench-{n}.jsonl");
            var history = HistoryGenerator.Generate(seed: 1, ops: n, keys: 10, processes: 50, infoRate: 0.01);
            using (var stream = File.Create(path)) JsonlHistory.Write(stream, history);
            var events = history.Count;
            history = null!;
            GC.Collect();
            var child = Process.Start(ChildStart(path))!;
            var line = child.StandardOutput.ReadToEnd().Trim();
            child.WaitForExit();
            var cells = line.Split(' ');
            md.AppendLine(Inv, $"| {n:N0} | {events:N0} | {new FileInfo(path).Length / 1e6:0.0} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {cells[4]} |");
            File.Delete(path);
        }
        md.AppendLine();
    }

    /// <summary>This program again, as an apphost or as `dotnet x.dll`, reading and checking one file.</summary>
    private static ProcessStartInfo ChildStart(string path)
    {
        var host = Environment.ProcessPath!;
        var self = typeof(Bench).Assembly.Location;
        string[] args = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [self, "--child", path] : ["--child", path];
        return new ProcessStartInfo(host, args) { RedirectStandardOutput = true };
    }

    /// <summary>Reads and checks one file, prints "verdict read-s check-s total-s peak-MiB".</summary>
    private static int Child(string path)
    {
        var clock = Stopwatch.StartNew();
        var file = HistoryReader.Read(path);
        var read = clock.Elapsed.TotalSeconds;
        var result = ModelCatalog.Create("cas-register", null, file.Conventions).Check(file.History, new LinearizabilityOptions { Timeout = TimeSpan.FromMinutes(5) });
        var total = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(Inv, $"{result.Validity.Name()} {read:0.00} {total - read:0.00} {total:0.00} {PeakMiB():0}"));
        return 0;
    }

    private static double PeakMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv) / 1024;
        return Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
    }

    private static Dictionary<(string, string), double> Baseline(string path)
    {
        var result = new Dictionary<(string, string), double>();
        if (!File.Exists(path)) return result;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var c = line.Split('\t');
            if (c[7] == "true") result[(c[0], c[5])] = double.Parse(c[2], Inv);
        }
        return result;
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
