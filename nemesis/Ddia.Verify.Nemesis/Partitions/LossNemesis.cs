using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>
/// Random packet loss between nodes with iptables' statistic match (needs <see cref="RemoteCapabilities.Firewall"/>;
/// netem is not available on our machines, DESIGN.md §7). Each chosen node drops each packet from every
/// other node with the probability; clients are not affected.
/// <list type="bullet">
/// <item><c>start-loss</c>, value nil (the defaults), a target, or <c>{"target": &lt;target&gt;, "probability": p}</c>,
/// either key optional. Loss already in place is removed first. Completion value: <c>{"nodes": [..], "probability": p}</c> (+ errors).</item>
/// <item><c>stop-loss</c>: deletes our loss rules on every node. Value <c>{"removed": rules}</c> (+ errors).</item>
/// </list>
/// </summary>
public sealed class LossNemesis : INemesis
{
    private const long Salt = -1002;
    private readonly IDb db;
    private readonly double probability;
    private readonly Target target;
    private readonly GenRandom? random;

    /// <param name="probability">Default probability of dropping a packet, in (0, 1].</param>
    /// <param name="target">Default nodes that drop: all of them when null.</param>
    public LossNemesis(IDb db, double probability = 0.2, Target? target = null) : this(db, probability, target ?? Target.All, null) { }

    private LossNemesis(IDb db, double probability, Target target, GenRandom? random)
    {
        ArgumentNullException.ThrowIfNull(db);
        Iptables.CheckProbability(probability);
        (this.db, this.probability, this.target, this.random) = (db, probability, target, random);
    }

    public IReadOnlySet<string> Fs { get; } = new HashSet<string>(StringComparer.Ordinal) { NemesisFs.StartLoss, NemesisFs.StopLoss };

    public ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation) =>
        ValueTask.FromResult<INemesis>(new LossNemesis(db, probability, target, new GenRandom(GenRandom.Derive(test.Seed, Salt))));

    public async ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!test.Remote.Can(RemoteCapabilities.Firewall)) return Values.Done(op, Values.Map(("note", Values.Text(Firewall.Unavailable))));
        switch (op.F)
        {
            case NemesisFs.StartLoss:
                return await StartAsync(test, op, cancellation).ConfigureAwait(false);
            case NemesisFs.StopLoss:
                var (removed, errors) = await Firewall.HealAsync(test, Iptables.LossComment, cancellation).ConfigureAwait(false);
                return Values.Done(op, Values.Map([("removed", Value.Of(removed)), .. Firewall.ErrorsEntry(errors)]));
            default:
                throw new ArgumentException($"the loss nemesis does not handle '{op.F}'", nameof(op));
        }
    }

    public async ValueTask TeardownAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!test.Remote.Can(RemoteCapabilities.Firewall)) return;
        var (_, errors) = await Firewall.HealAsync(test, Iptables.LossComment, cancellation).ConfigureAwait(false);
        PerNode.ThrowIfAny("remove packet-loss rules", errors);
    }

    private async ValueTask<Op> StartAsync(TestContext test, Op op, CancellationToken cancellation)
    {
        var rng = random ?? throw new InvalidOperationException("call SetupAsync first: it seeds the nemesis");
        var p = Values.Number(op.Value.Get("probability")) ?? probability;
        Iptables.CheckProbability(p);
        // A bare target (not a map) is accepted too: "start-loss all".
        var targetValue = op.Value.Kind == ValueKind.Map ? op.Value.Get("target") : op.Value;
        var resolved = await Targets.Targets.ResolveAsync(Target.Parse(targetValue, target), test, db, rng, cancellation)
            .ConfigureAwait(false);
        var (_, healErrors) = await Firewall.HealAsync(test, Iptables.LossComment, cancellation).ConfigureAwait(false);
        var rules = resolved.Nodes.ToDictionary(
            node => node,
            node => test.Nodes.Where(peer => peer != node).Select(peer => Iptables.DropRandomlyFrom(peer.Address, p, Iptables.LossComment)).ToList());
        var errors = await Firewall.ApplyAsync(test.Remote, rules, cancellation).ConfigureAwait(false);
        var allErrors = healErrors.Concat(errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(e => e.Value)));
        IEnumerable<(string, Value)> note = resolved.Note is null ? [] : [("note", Values.Text(resolved.Note))];
        return Values.Done(op, Values.Map([("nodes", Values.Names(resolved.Nodes)), ("probability", Value.Of(p)), .. note,
            .. Firewall.ErrorsEntry(allErrors)]));
    }
}
