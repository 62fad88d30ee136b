using System.Collections.Frozen;
using Ddia.Verify.History;

namespace Ddia.Verify.Reports;

/// <summary>
/// A span of the run during which a fault may have been in effect: from the first op that started it
/// to the op that stopped it (its completion when the stop was recorded as invoke + completion).
/// <see cref="End"/> is null when nothing stopped it: it runs to the end of the history.
/// Times are nanoseconds since the test started, as <see cref="Op.Time"/>.
/// </summary>
public sealed record FaultWindow(string Kind, long Start, long? End, int StartPosition, int? EndPosition)
{
    public bool IsOpenEnded => End is null;

    /// <summary>The end, or <paramref name="historyEnd"/> for a fault that was never stopped.</summary>
    public long EndOr(long historyEnd) => End ?? Math.Max(Start, historyEnd);
}

/// <summary>Which nemesis fs start and stop one kind of fault (Jepsen's perf bands, STYLE G8).</summary>
public sealed record FaultRule(string Kind, IReadOnlySet<string> StartFs, IReadOnlySet<string> StopFs);

/// <summary>
/// Pairs the nemesis ops of a history into <see cref="FaultWindow"/>s: each start-like f with the next
/// stop-like f of the same kind. Pure, so the report plots and the timeline page shade the same spans.
/// </summary>
public static class FaultWindows
{
    /// <summary>The f that heals every fault at once (the final generator's).</summary>
    public const string HealAll = "heal";

    /// <summary>The fs our nemeses and Jepsen's use. Kinds not listed here are found by the names
    /// <c>start-X</c>/<c>stop-X</c> and <c>X-start</c>/<c>X-stop</c>.</summary>
    public static IReadOnlyList<FaultRule> DefaultRules { get; } =
    [
        new("partition", Set("start-partition", "partition-start"), Set("stop-partition", "partition-stop")),
        new("pause", Set("pause"), Set("resume")),
        new("kill", Set("kill"), Set("start")),
        new("clock", Set("bump-clock", "strobe-clock"), Set("reset-clock")),
        new("loss", Set("start-loss", "loss-start"), Set("stop-loss", "loss-stop")),
        // The 2pc coordinator's crash point: armed, then the crashed nodes restarted.
        new("crash", Set("arm-crash"), Set("recover-crash")),
    ];

    /// <summary>
    /// Finds the fault windows among the nemesis ops of <paramref name="ops"/> (in history order).
    /// A start while the same kind is already on extends nothing: the fault was already shaded. A stop
    /// with nothing on is ignored. Windows come out ordered by start; those of one kind never overlap
    /// when times do not go backwards.
    /// </summary>
    public static IReadOnlyList<FaultWindow> Find(IReadOnlyList<Op> ops, IReadOnlyList<FaultRule>? rules = null)
    {
        var classify = Classifier(rules ?? DefaultRules);
        var open = new Dictionary<string, Pending>(StringComparer.Ordinal);
        var windows = new List<FaultWindow>();

        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.Process != Op.NemesisProcess) continue;
            if (op.F == HealAll)
            {
                foreach (var kind in open.Keys.ToList()) Stop(kind, i, op);
                continue;
            }
            if (classify(op.F) is not { } c) continue;
            if (c.IsStart) Start(c.Kind, i, op);
            else Stop(c.Kind, i, op);
        }
        foreach (var (kind, p) in open)
            windows.Add(new FaultWindow(kind, p.Start, p.End, p.StartPosition, p.EndPosition));
        return [.. windows.OrderBy(w => w.Start).ThenBy(w => w.StartPosition)];

        void Start(string kind, int position, Op op)
        {
            if (open.TryGetValue(kind, out var p))
            {
                if (p.End is null) return;   // still on (often this start's own completion)
                Close(kind, p);
            }
            open[kind] = new Pending(op.Time, position, null, null, null);
        }

        void Stop(string kind, int position, Op op)
        {
            if (!open.TryGetValue(kind, out var p)) return;
            if (p.End is null)
            {
                open[kind] = p with { End = op.Time, EndPosition = position, StopF = op.F };
                // A stop recorded only once (as the nemesis's info) is over; an invoke waits for its completion.
                if (op.Type != OpType.Invoke) Close(kind, open[kind]);
            }
            else if (op.F == p.StopF && op.Type != OpType.Invoke)
            {
                Close(kind, p with { End = op.Time, EndPosition = position });
            }
        }

        void Close(string kind, Pending p)
        {
            windows.Add(new FaultWindow(kind, p.Start, p.End, p.StartPosition, p.EndPosition));
            open.Remove(kind);
        }
    }

    /// <summary>The kind of fault <paramref name="f"/> starts or stops, or null when it is neither.</summary>
    public static (string Kind, bool IsStart)? Classify(string f, IReadOnlyList<FaultRule>? rules = null) =>
        Classifier(rules ?? DefaultRules)(f);

    private static Func<string, (string Kind, bool IsStart)?> Classifier(IReadOnlyList<FaultRule> rules)
    {
        var known = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        foreach (var r in rules)
        {
            foreach (var f in r.StartFs) known.TryAdd(f, (r.Kind, true));
            foreach (var f in r.StopFs) known.TryAdd(f, (r.Kind, false));
        }
        return f =>
        {
            if (known.TryGetValue(f, out var k)) return k;
            if (f.StartsWith("start-", StringComparison.Ordinal) && f.Length > 6) return (f[6..], true);
            if (f.StartsWith("stop-", StringComparison.Ordinal) && f.Length > 5) return (f[5..], false);
            if (f.EndsWith("-start", StringComparison.Ordinal) && f.Length > 6) return (f[..^6], true);
            if (f.EndsWith("-stop", StringComparison.Ordinal) && f.Length > 5) return (f[..^5], false);
            return null;
        };
    }

    private static FrozenSet<string> Set(params string[] fs) => fs.ToFrozenSet(StringComparer.Ordinal);

    private sealed record Pending(long Start, int StartPosition, long? End, int? EndPosition, string? StopF);
}
