using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Testing;

/// <summary>
/// The test oracle for linearizability: slow, exact and simple enough to trust by reading it. It
/// shares nothing with the checker's search, only the model's public API, and is meant for small
/// histories (at most <see cref="MaxOps"/> ops per key take part).
/// <para>The definition it implements, per key (or for the whole history when the model does not
/// partition by key; linearizability is local, so per key is exact):</para>
/// <list type="number">
/// <item>Each client op is read with <see cref="Model{TState,TOp}.Prepare"/>, exactly as the checker
/// does: Skip ops play no part; Completed ops took effect exactly once between their invocation and
/// completion; Unknown ops took effect once, at any time after their invocation, or never.</item>
/// <item>For every subset of the Unknown ops (those that took effect), try every order of the
/// Completed ops plus that subset that respects real time: op a must come before op b when a's
/// completion position is before b's invocation position (an Unknown op has no completion, so it
/// never has to come before anything).</item>
/// <item>The history is linearizable if some such order can be replayed with
/// <see cref="Model{TState,TOp}.Step"/> from <see cref="Model{TState,TOp}.Init"/> without an
/// impossible step.</item>
/// </list>
/// No memo, no pruning beyond the impossible step itself.
/// </summary>
public static class BruteForce
{
    /// <summary>The most ops (of one key) that take part in a search; more throws, as the search would not end.</summary>
    public const int MaxOps = 10;

    /// <summary>Whether the history is linearizable under the model.</summary>
    public static bool IsLinearizable<TState, TOp>(Model<TState, TOp> model, HistoryList history)
        where TState : notnull
        where TOp : IEquatable<TOp> =>
        FindLinearization(model, history) is not null;

    /// <summary>
    /// A witness: invocation positions of the ops that took effect, in a legal order (key after key,
    /// in the order keys first appear), or null if the history is not linearizable.
    /// </summary>
    public static IReadOnlyList<int>? FindLinearization<TState, TOp>(Model<TState, TOp> model, HistoryList history)
        where TState : notnull
        where TOp : IEquatable<TOp>
    {
        var witness = new List<int>();
        foreach (var ops in Prepare(model, history))
        {
            if (ops.Count > MaxOps) throw new ArgumentException($"{ops.Count} ops on one key: too many for brute force (at most {MaxOps})", nameof(history));
            var order = FindOne(model, ops);
            if (order is null) return null;
            witness.AddRange(order);
        }
        return witness;
    }

    /// <summary>An op taking part: its invocation and completion positions (completion = int.MaxValue when Unknown).</summary>
    private sealed record Candidate<TOp>(int Invoke, int Complete, bool Unknown, TOp Op);

    /// <summary>The participating ops, grouped by key (one group when the model does not partition).</summary>
    private static List<List<Candidate<TOp>>> Prepare<TState, TOp>(Model<TState, TOp> model, HistoryList history)
        where TState : notnull
        where TOp : IEquatable<TOp>
    {
        if (history.Problems.Count > 0) throw new ArgumentException($"broken history: {history.Problems[0].Message}", nameof(history));
        var groups = new List<List<Candidate<TOp>>>();
        var byKey = new Dictionary<Value, List<Candidate<TOp>>>();
        List<Candidate<TOp>>? noKey = null;
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            if (!op.IsClient || !op.IsInvoke) continue;
            var c = history.CompletionOf(i);
            var prepared = model.Prepare(new OpPair(i, op, c, c < 0 ? null : history[c]));
            if (prepared.Participation == Participation.Skip) continue;

            List<Candidate<TOp>> group;
            if (model.PartitionByKey && op.Key is { } key)
            {
                if (!byKey.TryGetValue(key, out group!))
                {
                    byKey[key] = group = [];
                    groups.Add(group);
                }
            }
            else if (noKey is null)
            {
                group = noKey = [];
                groups.Add(group);
            }
            else
            {
                group = noKey;
            }
            var unknown = prepared.Participation == Participation.Unknown;
            group.Add(new Candidate<TOp>(i, unknown ? int.MaxValue : c, unknown, prepared.Op));
        }
        return groups;
    }

    private static List<int>? FindOne<TState, TOp>(Model<TState, TOp> model, List<Candidate<TOp>> ops)
        where TState : notnull
        where TOp : IEquatable<TOp>
    {
        var completed = ops.Where(o => !o.Unknown).ToList();
        var unknown = ops.Where(o => o.Unknown).ToList();
        // Init is called only now, after every op was prepared: some models learn their keys in Prepare.
        var init = model.Init();
        for (var subset = 0; subset < 1 << unknown.Count; subset++)
        {
            var chosen = new List<Candidate<TOp>>(completed);
            for (var u = 0; u < unknown.Count; u++)
                if ((subset & (1 << u)) != 0) chosen.Add(unknown[u]);
            var order = new List<int>();
            if (Extend(model, chosen, new bool[chosen.Count], init, order)) return order;
        }
        return null;
    }

    /// <summary>Tries every next op that no remaining op must precede; true once all ops are placed.</summary>
    private static bool Extend<TState, TOp>(Model<TState, TOp> model, List<Candidate<TOp>> ops, bool[] placed, TState state, List<int> order)
        where TState : notnull
        where TOp : IEquatable<TOp>
    {
        if (order.Count == ops.Count) return true;
        for (var i = 0; i < ops.Count; i++)
        {
            if (placed[i] || MustWait(ops, placed, ops[i])) continue;
            if (!model.Step(state, ops[i].Op, out var next)) continue;
            placed[i] = true;
            order.Add(ops[i].Invoke);
            if (Extend(model, ops, placed, next, order)) return true;
            order.RemoveAt(order.Count - 1);
            placed[i] = false;
        }
        return false;
    }

    /// <summary>Whether some op not yet placed completed before <paramref name="op"/> was invoked.</summary>
    private static bool MustWait<TOp>(List<Candidate<TOp>> ops, bool[] placed, Candidate<TOp> op)
    {
        for (var j = 0; j < ops.Count; j++)
            if (!placed[j] && ops[j].Complete < op.Invoke) return true;
        return false;
    }
}
