using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Processes;

/// <summary>
/// What pause/resume and kill/start share: a fault op hits a <see cref="Target"/>, the heal op undoes it on
/// the nodes this nemesis faulted (or on the nodes its value names), and teardown heals whatever is left.
/// The db owns the processes; the nemesis only calls its capability interface.
/// <para>
/// Fault op value: a target (<c>"one"</c>, <c>"primaries"</c>, <c>"minority"</c>, <c>"majority"</c>, <c>"all"</c>, or a
/// list of names); nil gives the default target. Heal op value: nil (every node still faulted) or a
/// target. Both complete with <c>{"nodes": [names acted on]}</c>, plus <c>"note"</c> (why fewer or none)
/// and <c>"errors"</c> (node → message).
/// </para>
/// </summary>
public abstract class ProcessNemesis : INemesis
{
    private readonly Lock gate = new();
    private readonly HashSet<Node> faulted = [];
    private GenRandom? random;
    private HashSet<string>? fs;

    protected ProcessNemesis(IDb db, Target defaultTarget)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(defaultTarget);
        Db = db;
        DefaultTarget = defaultTarget;
    }

    protected IDb Db { get; }

    public Target DefaultTarget { get; }

    protected abstract string FaultF { get; }

    protected abstract string HealF { get; }

    /// <summary>Why this db cannot take the fault (it lacks the capability), or null.</summary>
    protected abstract string? Missing { get; }

    protected abstract long Salt { get; }

    public IReadOnlySet<string> Fs => fs ??= new HashSet<string>(StringComparer.Ordinal) { FaultF, HealF };

    /// <summary>The nodes faulted and not yet healed.</summary>
    public IReadOnlyList<Node> Faulted
    {
        get { lock (gate) return [.. faulted]; }
    }

    protected abstract ProcessNemesis Fresh();

    protected abstract ValueTask FaultAsync(TestContext test, Node node, CancellationToken cancellation);

    protected abstract ValueTask HealAsync(TestContext test, Node node, CancellationToken cancellation);

    public ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        var fresh = Fresh();
        fresh.random = new GenRandom(GenRandom.Derive(test.Seed, Salt));
        return ValueTask.FromResult<INemesis>(fresh);
    }

    public async ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (Missing is { } missing) return Values.Done(op, Values.Map(("nodes", Values.Names([])), ("note", Values.Text(missing))));
        var rng = random ?? throw new InvalidOperationException("call SetupAsync first: it seeds the nemesis");
        if (op.F == FaultF)
        {
            var resolved = await Targets.Targets.ResolveAsync(Target.Parse(op.Value, DefaultTarget), test, Db, rng, cancellation)
                .ConfigureAwait(false);
            var errors = await PerNode.RunAsync(resolved.Nodes, async node =>
            {
                await FaultAsync(test, node, cancellation).ConfigureAwait(false);
                lock (gate) faulted.Add(node);
            }).ConfigureAwait(false);
            return Completion(op, resolved.Nodes, resolved.Note, errors);
        }
        if (op.F == HealF)
        {
            ResolvedTarget resolved;
            if (op.Value.IsNil) lock (gate) resolved = new(Values.InTestOrder(test, faulted), faulted.Count == 0 ? "nothing to heal" : null);
            else resolved = await Targets.Targets.ResolveAsync(Target.Parse(op.Value, Target.All), test, Db, rng, cancellation).ConfigureAwait(false);
            var errors = await HealNodesAsync(test, resolved.Nodes, cancellation).ConfigureAwait(false);
            return Completion(op, resolved.Nodes, resolved.Note, errors);
        }
        throw new ArgumentException($"this nemesis handles {FaultF} and {HealF}, not '{op.F}'", nameof(op));
    }

    public async ValueTask TeardownAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (Missing is not null) return;
        List<Node> left;
        lock (gate) left = [.. faulted];
        PerNode.ThrowIfAny($"{HealF} nodes at teardown", await HealNodesAsync(test, left, cancellation).ConfigureAwait(false));
    }

    private Task<IReadOnlyDictionary<Node, string>> HealNodesAsync(TestContext test, IEnumerable<Node> nodes, CancellationToken cancellation) =>
        PerNode.RunAsync(nodes, async node =>
        {
            await HealAsync(test, node, cancellation).ConfigureAwait(false);
            lock (gate) faulted.Remove(node);
        });

    private static Op Completion(Op op, IEnumerable<Node> nodes, string? note, IReadOnlyDictionary<Node, string> errors)
    {
        List<(string, Value)> entries = [("nodes", Values.Names(nodes))];
        if (note is not null) entries.Add(("note", Values.Text(note)));
        if (errors.Count > 0) entries.Add(("errors", Values.Errors(errors)));
        return Values.Done(op, Values.Map(entries));
    }
}

/// <summary><c>pause</c> / <c>resume</c>: SIGSTOP and SIGCONT through the db's <see cref="IPausable"/>. Default target: one node.</summary>
public sealed class PauseNemesis(IDb db, Target? defaultTarget = null) : ProcessNemesis(db, defaultTarget ?? Target.One)
{
    protected override string FaultF => NemesisFs.Pause;
    protected override string HealF => NemesisFs.Resume;
    protected override long Salt => -1003;
    protected override string? Missing => Db is IPausable ? null : "the system cannot be paused (its IDb is not IPausable): nothing done";
    protected override ProcessNemesis Fresh() => new PauseNemesis(Db, DefaultTarget);
    protected override ValueTask FaultAsync(TestContext test, Node node, CancellationToken cancellation) =>
        ((IPausable)Db).PauseAsync(test, node, cancellation);
    protected override ValueTask HealAsync(TestContext test, Node node, CancellationToken cancellation) =>
        ((IPausable)Db).ResumeAsync(test, node, cancellation);
}

/// <summary><c>kill</c> / <c>start</c>: kill -9 and start again through the db's <see cref="IKillable"/>. Default target: one node.</summary>
public sealed class KillNemesis(IDb db, Target? defaultTarget = null) : ProcessNemesis(db, defaultTarget ?? Target.One)
{
    protected override string FaultF => NemesisFs.Kill;
    protected override string HealF => NemesisFs.Start;
    protected override long Salt => -1004;
    protected override string? Missing => Db is IKillable ? null : "the system cannot be killed and restarted (its IDb is not IKillable): nothing done";
    protected override ProcessNemesis Fresh() => new KillNemesis(Db, DefaultTarget);
    protected override ValueTask FaultAsync(TestContext test, Node node, CancellationToken cancellation) =>
        ((IKillable)Db).KillAsync(test, node, cancellation);
    protected override ValueTask HealAsync(TestContext test, Node node, CancellationToken cancellation) =>
        ((IKillable)Db).StartAsync(test, node, cancellation);
}
