using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.Checkers.Transactions;

namespace Ddia.Verify.Checkers.Benchmarks;

/// <summary>
/// The transactional checker's benchmark (`make bench`, → bench/TRANSACTIONS.md): list-append
/// histories from the serializable simulator with the shape (10 processes, 1–4 micro-ops per
/// transaction, 10 active keys with exponential popularity, at most 256 appends per key), checked for
/// serializable and strict-serializable. Each size and model runs in a fresh child process that
/// builds the history, checks it, and reports its phases and its peak memory (VmHWM, which includes
/// the history itself, as a real check of a file would).
/// </summary>
public static class TxnBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args, string output, int[] sizes, int runs)
    {
        var md = new StringBuilder();
        md.AppendLine("# Transactional checker benchmark");
        md.AppendLine();
        md.AppendLine(Inv, $"Recorded {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `make bench` on {Environment.ProcessorCount} cores, .NET {Environment.Version}.");
        md.AppendLine("List-append histories from `TxnSimulator` (seed 1): 10 processes, 1–4 micro-ops per transaction (half reads), 10 active keys with exponential popularity, ≤ 256 appends per key. " +
                      "Each row is a fresh process: build the history, check it (the median of the runs shown; one warm-up check first for sizes below 10^6), report the phases of the last check and the process's peak memory (VmHWM, history included).");
        md.AppendLine();
        md.AppendLine("| database | transactions | events | model | verdict | check s (median) | txns/s | infer s | graph s | cycles s | edges | cyclic components | peak MiB |");
        md.AppendLine("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var cases = sizes.SelectMany(n => new[] { ("serializable", n, "serializable"), ("serializable", n, "strict-serializable") })
            // A database with anomalies: snapshot isolation on the same workload has write skews for the cycle search to find and explain.
            .Append(("snapshot-isolation", sizes.Where(n => n <= 100_000).DefaultIfEmpty(sizes.Min()).Max(), "strict-serializable"));
        foreach (var (database, n, model) in cases)
        {
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
                if (Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal)) start.ArgumentList.Add(typeof(TxnBench).Assembly.Location);
                foreach (var a in new[] { "--txn-child", n.ToString(Inv), model, (n >= 1_000_000 ? 1 : runs).ToString(Inv), database }) start.ArgumentList.Add(a);
                using var child = Process.Start(start)!;
                var line = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
                child.WaitForExit();
                md.AppendLine(line);
                Console.WriteLine(line);
            }
        }
        md.AppendLine();
        md.AppendLine("Where the time goes: *infer* reads the micro-ops, indexes every append, infers each key's version order from the longest read, checks every read against it and finds the non-cycle anomalies; " +
                      "*graph* adds process and real-time edges and builds the compressed adjacency (a counting sort by source); *cycles* is Tarjan's SCCs over the whole graph plus, in each cyclic component, the searches for each anomaly shape and the explanations. " +
                      "At 10^6 transactions the history alone is about 1.1 GB of live heap (625k read lists, 80M elements), so collections of it are a visible share of every phase; background GC (the CLI's setting) keeps them off the critical path.");
        md.AppendLine();
        md.AppendLine("Elle's README reports 100–160k transactions/s on large servers; its 2020 paper about 60 s per 100k transactions.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, md.ToString());
        Console.WriteLine($"written to {output}");
        _ = args;
        return 0;
    }

    /// <summary>In the child: one size, one model; prints one table row.</summary>
    public static int Child(int n, string model, int runs, string database)
    {
        var sim = TxnSimulator.Run(new TxnSimulation
        {
            Isolation = database == "snapshot-isolation" ? TxnIsolation.SnapshotIsolation : TxnIsolation.Serializable,
            Transactions = n, Processes = 10, MinMops = 1, MaxMops = 4, ActiveKeys = 10, MaxWritesPerKey = 256, ReadFraction = 0.5, Seed = 1,
        });
        var checker = new TransactionalChecker(TxnWorkload.ListAppend, new TxnCheckOptions { ConsistencyModels = [model] });
        if (runs > 1) checker.Analyze(sim.History);
        var times = new double[runs];
        TxnCheckResult? result = null;
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            var clock = Stopwatch.StartNew();
            result = checker.Analyze(sim.History);
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        var s = result!.Stats;
        var median = times[runs / 2];
        Console.WriteLine(string.Create(Inv,
            $"| {database} | {n:N0} | {sim.History.Count:N0} | {model} | {result.Validity.Name()} | {median:0.000} | {n / median:N0} | {s.Infer.TotalSeconds:0.000} | {s.Graph.TotalSeconds:0.000} | {s.Cycles.TotalSeconds:0.000} | {s.Edges:N0} | {s.Components:N0} | {PeakMiB():N0} |"));
        return 0;
    }

    private static double PeakMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], Inv) / 1024;
        return double.NaN;
    }
}
