using System.Collections.Concurrent;
using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Clock;

/// <summary>
/// Clock skew through each node's <c>/admin/clock</c> (offsets are absolute: "n1: -30000" means n1's wall
/// clock now reads 30 s behind). A node that cannot be reached is reported in the completion, never thrown.
/// <list type="bullet">
/// <item><c>bump-clock</c>, value a map node → offset ms (<c>{"n1": -30000}</c>), or
/// <c>{"target": &lt;target&gt;, "offsetMs": N}</c> (either key optional), a bare target, or nil (default target;
/// a missing offset is random within ±max skew).</item>
/// <item><c>strobe-clock</c>, value <c>{"target", "lowMs", "highMs", "periodMs", "durationMs"}</c> (each optional):
/// the targets' offsets flip between low and high every period, for the duration, in the background (a
/// strobe outlives the op timeout); it ends at low. Completes at once with the settings and nodes.</item>
/// <item><c>reset-clock</c>, value nil (every node) or a target: stops strobes, sets offsets to 0.</item>
/// </list>
/// bump and reset complete with <c>{"offsets": {"n1": -30000}, "readings": {"n1": {"offsetMs", "wallNowMs"}}, "errors": {"n2": ".."}}</c>.
/// </summary>
public sealed class ClockNemesis : INemesis
{
    private const long Salt = -1005;
    private readonly IDb db;
    private readonly ClockOptions options;
    private readonly ClockAdmin admin;
    private readonly GenRandom? random;
    private readonly ConcurrentDictionary<Strobe, byte> strobes = new();

    public ClockNemesis(IDb db, ClockOptions options) : this(db, options, null) { }

    private ClockNemesis(IDb db, ClockOptions options, GenRandom? random)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(options);
        (this.db, this.options, this.random) = (db, options, random);
        admin = new ClockAdmin(options.AdminPort, options.RequestTimeout);
    }

    public IReadOnlySet<string> Fs { get; } = new HashSet<string>(StringComparer.Ordinal)
        { NemesisFs.BumpClock, NemesisFs.StrobeClock, NemesisFs.ResetClock };

    public ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation) =>
        ValueTask.FromResult<INemesis>(new ClockNemesis(db, options, new GenRandom(GenRandom.Derive(test.Seed, Salt))));

    public async ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var rng = random ?? throw new InvalidOperationException("call SetupAsync first: it seeds the nemesis");
        switch (op.F)
        {
            case NemesisFs.BumpClock:
                await StopStrobesAsync().ConfigureAwait(false);
                return Values.Done(op, await SetAsync(await BumpOffsetsAsync(test, op.Value, rng, cancellation).ConfigureAwait(false), cancellation)
                    .ConfigureAwait(false));
            case NemesisFs.StrobeClock:
                return Values.Done(op, await StartStrobeAsync(test, op.Value, rng, cancellation).ConfigureAwait(false));
            case NemesisFs.ResetClock:
                await StopStrobesAsync().ConfigureAwait(false);
                var resolved = await Targets.Targets.ResolveAsync(Target.Parse(op.Value, Target.All), test, db, rng, cancellation).ConfigureAwait(false);
                return Values.Done(op, await SetAsync(resolved.Nodes.ToDictionary(n => n, _ => 0L), cancellation).ConfigureAwait(false));
            default:
                throw new ArgumentException($"the clock nemesis does not handle '{op.F}'", nameof(op));
        }
    }

    /// <summary>Stops strobes and sets every node's offset to 0. Unreachable nodes are skipped, not thrown:
    /// a node that is down (killed, say) cannot keep a skew, and a failed reset is no reason to lose the run.</summary>
    public async ValueTask TeardownAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        await StopStrobesAsync().ConfigureAwait(false);
        await SetAsync(test.Nodes.ToDictionary(n => n, _ => 0L), cancellation).ConfigureAwait(false);
    }

    private async ValueTask<Dictionary<Node, long>> BumpOffsetsAsync(TestContext test, Value value, GenRandom rng, CancellationToken cancellation)
    {
        if (value.Kind == ValueKind.Map && value.Get("target") is null && value.Get("offsetMs") is null)
        {
            var byName = test.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
            return value.Entries.ToDictionary(
                e => e.Key.AsText is { } name && byName.TryGetValue(name, out var node) ? node : throw new ArgumentException($"{e.Key} is not a node of this test", nameof(value)),
                e => Values.Long(e.Value) ?? throw new ArgumentException($"offset {e.Value} is not a whole number of ms", nameof(value)));
        }
        var target = Target.Parse(TargetOf(value), options.Target);
        var resolved = await Targets.Targets.ResolveAsync(target, test, db, rng, cancellation).ConfigureAwait(false);
        var maxMs = (long)options.MaxSkew.TotalMilliseconds;
        lock (rng)
        {
            var offset = Values.Long(value.Get("offsetMs")) ?? rng.NextInt64(2 * maxMs + 1) - maxMs;
            return resolved.Nodes.ToDictionary(n => n, _ => offset);
        }
    }

    /// <summary>The target of a bump or strobe: the map's "target", or the whole value when it is a bare target.</summary>
    private static Value? TargetOf(Value value) => value.Kind == ValueKind.Map ? value.Get("target") : value;

    private async Task<Value> SetAsync(IReadOnlyDictionary<Node, long> offsets, CancellationToken cancellation)
    {
        var readings = new ConcurrentDictionary<Node, ClockReading>();
        var errors = await PerNode.RunAsync(offsets.Keys, async node =>
            readings[node] = await admin.SetOffsetAsync(node, offsets[node], cancellation).ConfigureAwait(false)).ConfigureAwait(false);
        List<(string, Value)> entries =
        [
            ("offsets", Values.Map(offsets.OrderBy(e => e.Key.Name, StringComparer.Ordinal).Select(e => (e.Key.Name, Value.Of(e.Value))))),
            ("readings", Values.Map(readings.OrderBy(e => e.Key.Name, StringComparer.Ordinal).Select(e => (e.Key.Name,
                Values.Map(("offsetMs", Value.Of(e.Value.OffsetMs)), ("wallNowMs", Value.Of(e.Value.WallNowMs))))))),
        ];
        if (errors.Count > 0) entries.Add(("errors", Values.Errors(errors)));
        return Values.Map(entries);
    }

    private async Task<Value> StartStrobeAsync(TestContext test, Value value, GenRandom rng, CancellationToken cancellation)
    {
        await StopStrobesAsync().ConfigureAwait(false);
        var resolved = await Targets.Targets.ResolveAsync(Target.Parse(TargetOf(value), options.Target), test, db, rng, cancellation)
            .ConfigureAwait(false);
        var low = Values.Long(value.Get("lowMs")) ?? 0;
        var high = Values.Long(value.Get("highMs")) ?? (long)options.StrobeDelta.TotalMilliseconds;
        var period = Values.Long(value.Get("periodMs")) ?? (long)options.StrobePeriod.TotalMilliseconds;
        var duration = Values.Long(value.Get("durationMs")) ?? (long)options.StrobeDuration.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(period);
        ArgumentOutOfRangeException.ThrowIfNegative(duration);
        var strobe = new Strobe();
        strobes[strobe] = 0;
        strobe.Run = Task.Run(() => RunStrobeAsync(test, resolved.Nodes, low, high, period, duration, strobe.Stop.Token), CancellationToken.None);
        List<(string, Value)> entries =
        [
            ("nodes", Values.Names(resolved.Nodes)), ("lowMs", Value.Of(low)), ("highMs", Value.Of(high)),
            ("periodMs", Value.Of(period)), ("durationMs", Value.Of(duration)),
        ];
        if (resolved.Note is not null) entries.Add(("note", Values.Text(resolved.Note)));
        return Values.Map(entries);
    }

    private async Task RunStrobeAsync(TestContext test, ImmutableArray<Node> nodes, long low, long high, long periodMs, long durationMs,
        CancellationToken stop)
    {
        var started = test.Time.GetTimestamp();
        var period = TimeSpan.FromMilliseconds(periodMs);
        var isHigh = false;
        try
        {
            while (test.Time.GetElapsedTime(started) < TimeSpan.FromMilliseconds(durationMs))
            {
                isHigh = !isHigh;
                var offset = isHigh ? high : low;
                // Unreachable nodes are skipped: the strobe goes on for the others.
                await PerNode.RunAsync(nodes, async n => await admin.SetOffsetAsync(n, offset, stop).ConfigureAwait(false)).ConfigureAwait(false);
                await Task.Delay(period, test.Time, stop).ConfigureAwait(false);
            }
            await PerNode.RunAsync(nodes, async n => await admin.SetOffsetAsync(n, low, stop).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped by reset-clock, bump-clock, a new strobe or teardown: they set the offsets next.
        }
    }

    private async Task StopStrobesAsync()
    {
        foreach (var strobe in strobes.Keys)
        {
            await strobe.Stop.CancelAsync().ConfigureAwait(false);
            if (strobe.Run is { } run) await run.ConfigureAwait(false);
            strobes.TryRemove(strobe, out _);
            strobe.Dispose();
        }
    }

    private sealed class Strobe : IDisposable
    {
        public CancellationTokenSource Stop { get; } = new();
        public Task? Run { get; set; }
        public void Dispose() => Stop.Dispose();
    }
}

/// <summary>Settings of the clock nemesis.</summary>
public sealed record ClockOptions
{
    /// <summary>The HTTP port of every node's admin endpoint (the reference node's HTTP port). Required.</summary>
    public required int AdminPort { get; init; }

    /// <summary>How long one request to a node may take. The default value is 2 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Which nodes bump and strobe hit when the op does not say. The default value is one random node.</summary>
    public Target Target { get; init; } = Target.One;

    /// <summary>A random bump is uniform in ±this. The default value is 60 s.</summary>
    public TimeSpan MaxSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The default high value of a strobe (low is 0). The default value is 500 ms.</summary>
    public TimeSpan StrobeDelta { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The default time between flips. The default value is 50 ms.</summary>
    public TimeSpan StrobePeriod { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The default duration of a strobe. The default value is 5 s.</summary>
    public TimeSpan StrobeDuration { get; init; } = TimeSpan.FromSeconds(5);
}
