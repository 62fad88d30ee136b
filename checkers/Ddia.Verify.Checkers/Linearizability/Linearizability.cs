using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Linearizability;

/// <summary>
/// Entry point of the linearizability checker: splits the history by key when the model allows it
/// (P-compositionality), checks the partitions in parallel, and merges their verdicts. A deadline or
/// cancellation yields Unknown, never Valid.
/// </summary>
public static class Linearizability
{
    private const int SmallHistory = 2_000;

    public static LinearizabilityResult Check<TState, TOp>(
        Model<TState, TOp> model, HistoryList history, LinearizabilityOptions? options = null, CancellationToken cancellation = default)
        where TState : notnull
        where TOp : IEquatable<TOp>
    {
        options ??= new LinearizabilityOptions();
        var clock = Stopwatch.StartNew();
        var partitions = Prepare(model, history);
        var deadline = options.Timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;

        var results = new PartitionResult[partitions.Count];
        var order = Enumerable.Range(0, partitions.Count).OrderByDescending(i => partitions[i].Size).ToArray();   // biggest first
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        void CheckPartition(int i)
        {
            var result = new Search<TState, TOp>(model, history, partitions[i], options, deadline, stop.Token).Run();
            if (result.Validity == Validity.Invalid && options.StopAtFirstFailure) stop.Cancel();
            else if (result.Validity == Validity.Unknown && !cancellation.IsCancellationRequested && stop.IsCancellationRequested)
                result = result with { Note = "not checked to the end: another key was already found not linearizable" };
            results[i] = result;
        }

        // Small histories are checked on this thread: starting workers would cost more than the search.
        // Smallest first there, so that a quick failure spares the rest.
        if (options.MaxParallelism <= 1 || partitions.Count == 1 || history.Count < SmallHistory)
        {
            foreach (var i in order.Reverse()) CheckPartition(i);
        }
        else
        {
            Parallel.ForEach(
                Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism },
                CheckPartition);
        }

        var validity = results.Aggregate(Validity.Valid, (v, r) => v.Merge(r.Validity));
        string? why = null;
        if (validity == Validity.Unknown)
            why = cancellation.IsCancellationRequested ? "cancelled" : $"timed out after {options.Timeout?.TotalSeconds:0.###} s";
        return new LinearizabilityResult(validity, model.Name, partitions.Sum(p => p.Size), [.. results], clock.Elapsed) { UnknownReason = why };
    }

    /// <summary>One key's ops, in the model's form, ready to search.</summary>
    internal sealed class Partition<TOp>(Value? key)
    {
        public Value? Key { get; } = key;
        public List<Entry<TOp>> Completed { get; } = [];
        public List<Entry<TOp>> Unknown { get; } = [];
        public int Size => Completed.Count + Unknown.Count;
    }

    /// <summary>An op of the search: where it was invoked and completed (history positions) and its model form.</summary>
    internal readonly record struct Entry<TOp>(int Call, int Return, TOp Op);

    private static List<Partition<TOp>> Prepare<TState, TOp>(Model<TState, TOp> model, HistoryList history)
        where TState : notnull
        where TOp : IEquatable<TOp>
    {
        if (history.Problems.Count > 0)
        {
            var p = history.Problems[0];
            throw new CheckerInputException(p.Position, null, p.Message);
        }
        var byKey = new Dictionary<Value, Partition<TOp>>();
        var noKey = new Partition<TOp>(null);
        var ops = history.AsSpan();
        for (var i = 0; i < ops.Length; i++)
        {
            ref readonly var op = ref ops[i];
            if (op.Process == Op.NoProcess)
                throw new CheckerInputException(i, "process", "missing: linearizability needs to know which process did each op");
            if (!op.IsClient || !op.IsInvoke) continue;
            var c = history.CompletionOf(i);
            var prepared = model.Prepare(new OpPair(i, op, c, c < 0 ? null : ops[c]));
            if (prepared.Participation == Participation.Skip) continue;

            var partition = noKey;
            if (model.PartitionByKey && op.Key is { } key && !byKey.TryGetValue(key, out partition!))
                byKey[key] = partition = new Partition<TOp>(key);

            if (prepared.Participation == Participation.Completed)
            {
                if (c < 0) throw new CheckerInputException(i, null, "an op without a completion cannot be a completed op");
                partition.Completed.Add(new(i, c, prepared.Op));
            }
            else
            {
                partition.Unknown.Add(new(i, int.MaxValue, prepared.Op));
            }
        }
        var all = new List<Partition<TOp>>(byKey.Values);
        if (noKey.Size > 0 || all.Count == 0) all.Insert(0, noKey);
        return all;
    }
}
