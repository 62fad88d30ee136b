using System.Globalization;
using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Systems.Raft.Tests.Simulation;

/// <summary>
/// Closed-loop clients doing reads, writes and cas on a few keys (Jepsen's register workload). Each op goes to the
/// node the client believes leads, or, one time in four, to any node (clients behind a load balancer): that is what
/// sends reads to a deposed leader after the new one has committed writes. Writes carry unique values. An op
/// unanswered after the timeout becomes info and its client carries on under a new process id, as in Jepsen.
/// </summary>
internal sealed class RegisterWorkload(SimCluster cluster, int clients = 5, int keys = 3, long timeoutMs = 400, long thinkMs = 20)
{
    private readonly List<ClientOp> history = [];
    private readonly string[] keyNames = [.. Enumerable.Range(0, keys).Select(k => "k" + k.ToString(CultureInfo.InvariantCulture))];
    private int nextProcess;
    private int nextValue;

    public IReadOnlyList<ClientOp> History => history;

    /// <summary>Starts the clients; they invoke new ops until <paramref name="untilMs"/>.</summary>
    public void Start(long untilMs)
    {
        for (var c = 0; c < clients; c++)
        {
            var client = new Client(nextProcess++, cluster.Random.Next(cluster.Nodes.Length));
            cluster.At(cluster.Now + cluster.Random.NextInt64(thinkMs + 1), () => Next(client, untilMs));
        }
    }

    /// <summary>Ops still pending when the run ends are info: they may or may not have happened.</summary>
    public void Finish()
    {
        foreach (var op in history.Where(o => o.Outcome == OpOutcome.Pending)) op.Outcome = OpOutcome.Info;
    }

    private sealed class Client(int process, int target)
    {
        public int Process { get; set; } = process;

        public int Target { get; set; } = target;

        public Dictionary<string, string?> LastSeen { get; } = [];
    }

    private void Next(Client client, long untilMs)
    {
        if (cluster.Now >= untilMs) return;
        var random = cluster.Random;
        var key = keyNames[random.Next(keyNames.Length)];
        var roll = random.Next(10);
        var kind = roll < 4 ? OpKind.Read : roll < 8 ? OpKind.Write : OpKind.Cas;
        var value = kind == OpKind.Read ? null : "v" + (++nextValue).ToString(CultureInfo.InvariantCulture);
        var from = kind == OpKind.Cas ? client.LastSeen.GetValueOrDefault(key) : null;
        if (random.Next(4) == 0) client.Target = random.Next(cluster.Nodes.Length);
        var op = new ClientOp(client.Process, kind, key, from, value, cluster.Stamp());
        history.Add(op);

        void Done(OpOutcome outcome)
        {
            op.Outcome = outcome;
            op.Complete = cluster.Stamp();
            cluster.At(cluster.Now + random.NextInt64(thinkMs + 1), () => Next(client, untilMs));
        }

        cluster.Request(client.Target,
            (node, raft, id) =>
            {
                switch (kind)
                {
                    case OpKind.Read: raft.Read(id, key, cluster.Wall(node)); break;
                    case OpKind.Write: raft.Propose(id, new KvWrite(key, value!)); break;
                    default: raft.Propose(id, new KvCas(key, from, value!)); break;
                }
            },
            response =>
            {
                if (op.Outcome != OpOutcome.Pending) return;   // answered after the client gave up
                switch (response)
                {
                    case null:
                        client.Target = random.Next(cluster.Nodes.Length);
                        Done(OpOutcome.Fail);
                        break;
                    case { Status: ResponseStatus.NotLeader }:
                        client.Target = response.LeaderHint ?? random.Next(cluster.Nodes.Length);
                        Done(OpOutcome.Fail);
                        break;
                    case { Status: ResponseStatus.Superseded }:
                        Done(OpOutcome.Fail);
                        break;
                    default:
                        var result = response.Result!;
                        if (kind == OpKind.Read) op.Value = result.Value;
                        if (kind == OpKind.Cas) op.Swapped = result.Ok;
                        client.LastSeen[key] = kind == OpKind.Cas && !result.Ok ? result.Value : op.Value;
                        Done(OpOutcome.Ok);
                        break;
                }
            });

        cluster.At(cluster.Now + timeoutMs, () =>
        {
            if (op.Outcome != OpOutcome.Pending) return;
            client.Process = nextProcess++;
            client.Target = random.Next(cluster.Nodes.Length);
            Done(OpOutcome.Info);
        });
    }
}
