using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Partitions;

/// <summary>
/// Network partitions with iptables inside each node (needs <see cref="RemoteCapabilities.Firewall"/>).
/// <list type="bullet">
/// <item><c>start-partition</c>, value a <see cref="PartitionKind"/> name (<c>"one"</c>, <c>"halves"</c>,
/// <c>"majorities-ring"</c>, <c>"bridge"</c>, <c>"primaries"</c>; nil: halves) or an explicit grudge map
/// (node → names it drops from). Any partition in place is healed first. Completion value:
/// <c>{"kind": .., "grudge": {"n1": ["n2", "n3"], ..}}</c>, plus <c>"note"</c> when nothing was done
/// (no primary known) and <c>"errors"</c> (node → message) for nodes where a rule failed.</item>
/// <item><c>stop-partition</c>: deletes our rules on every node. Value <c>{"removed": rules}</c> (+ errors).</item>
/// </list>
/// Prototype: <see cref="SetupAsync"/> returns a new nemesis with a random source seeded from the test's seed.
/// </summary>
public sealed class PartitionNemesis : INemesis
{
    private const long Salt = -1001;   // this nemesis's own random stream, whatever else is composed with it
    private readonly IDb db;
    private readonly GenRandom? random;

    public PartitionNemesis(IDb db) : this(db, null) { }

    private PartitionNemesis(IDb db, GenRandom? random)
    {
        ArgumentNullException.ThrowIfNull(db);
        this.db = db;
        this.random = random;
    }

    public IReadOnlySet<string> Fs { get; } = new HashSet<string>(StringComparer.Ordinal) { NemesisFs.StartPartition, NemesisFs.StopPartition };

    public ValueTask<INemesis> SetupAsync(TestContext test, CancellationToken cancellation) =>
        ValueTask.FromResult<INemesis>(new PartitionNemesis(db, new GenRandom(GenRandom.Derive(test.Seed, Salt))));

    public async ValueTask<Op> InvokeAsync(TestContext test, Op op, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!test.Remote.Can(RemoteCapabilities.Firewall)) return Values.Done(op, Values.Map(("note", Values.Text(Firewall.Unavailable))));
        switch (op.F)
        {
            case NemesisFs.StartPartition:
                return await StartAsync(test, op, cancellation).ConfigureAwait(false);
            case NemesisFs.StopPartition:
                var (removed, errors) = await Firewall.HealAsync(test, Iptables.PartitionComment, cancellation).ConfigureAwait(false);
                return Values.Done(op, Values.Map([("removed", Value.Of(removed)), .. Firewall.ErrorsEntry(errors)]));
            default:
                throw new ArgumentException($"the partition nemesis does not handle '{op.F}'", nameof(op));
        }
    }

    public async ValueTask TeardownAsync(TestContext test, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (!test.Remote.Can(RemoteCapabilities.Firewall)) return;
        var (_, errors) = await Firewall.HealAsync(test, Iptables.PartitionComment, cancellation).ConfigureAwait(false);
        PerNode.ThrowIfAny("remove partition rules", errors);
    }

    private async ValueTask<Op> StartAsync(TestContext test, Op op, CancellationToken cancellation)
    {
        var rng = random ?? throw new InvalidOperationException("call SetupAsync first: it seeds the nemesis");
        string kindName;
        Grudge grudge;
        if (op.Value.Kind == ValueKind.Map)
        {
            kindName = "explicit";
            grudge = ParseGrudge(op.Value, test.Nodes);
        }
        else
        {
            var kind = op.Value.IsNil ? PartitionKind.Halves : PartitionKinds.Parse(op.Value.AsText);
            kindName = kind.Name();
            IEnumerable<Node> primaries = [];
            if (kind == PartitionKind.Primaries)
            {
                var resolved = await Targets.Targets.ResolveAsync(Target.Primaries, test, db, rng, cancellation).ConfigureAwait(false);
                if (resolved.Nodes.IsEmpty)
                    return Values.Done(op, Values.Map(("kind", Values.Text(kindName)), ("grudge", Grudge.None.ToValue()),
                        ("note", Values.Text($"{resolved.Note}: nothing done"))));
                primaries = resolved.Nodes;
            }
            lock (rng) grudge = Grudges.Of(kind, test.Nodes, rng, primaries);
        }

        // One partition at a time: a new one replaces the old, so the history's grudge is the whole truth.
        var (_, healErrors) = await Firewall.HealAsync(test, Iptables.PartitionComment, cancellation).ConfigureAwait(false);
        var rules = grudge.DropsFrom.Where(e => !e.Value.IsEmpty).ToDictionary(
            e => e.Key,
            e => e.Value.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => Iptables.DropFrom(p.Address, Iptables.PartitionComment)).ToList());
        var errors = await Firewall.ApplyAsync(test.Remote, rules, cancellation).ConfigureAwait(false);
        var allErrors = healErrors.Concat(errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(e => e.Value)));
        return Values.Done(op, Values.Map([("kind", Values.Text(kindName)), ("grudge", grudge.ToValue()), .. Firewall.ErrorsEntry(allErrors)]));
    }

    private static Grudge ParseGrudge(Value map, ImmutableArray<Node> nodes)
    {
        var byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        Node Find(Value v) => v.AsText is { } name && byName.TryGetValue(name, out var node)
            ? node
            : throw new ArgumentException($"{v} is not a node of this test", nameof(map));
        return new(map.Entries.ToImmutableDictionary(e => Find(e.Key), e => e.Value.Items.Select(Find).ToImmutableHashSet()));
    }
}
