using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Tests.Raft;

namespace Ddia.Verify.Systems.Adapters.Tests.Common;

/// <summary>How a <see cref="ProcessCluster{TDb}"/> waits and reports, where systems differ.</summary>
/// <param name="UntilOk">How long <see cref="ProcessCluster{TDb}.UntilOkAsync"/> keeps trying.</param>
/// <param name="OpTimeout">How long one of its ops may take (infinite: as long as the client takes).</param>
/// <param name="LogTail">How many characters of each log <see cref="ProcessCluster{TDb}.Logs"/> shows, from the end.</param>
internal sealed record ClusterLimits(TimeSpan UntilOk, TimeSpan OpTimeout, int LogTail);

/// <summary>
/// Three real daemons set up by a system's <typeparamref name="TDb"/> through a <see cref="LocalTestRemote"/>: nodes
/// n1..n3 on 127.0.X.11-13 (X random per cluster, so clusters of parallel runs never meet) with the same ports, as on
/// real hosts. Dispose tears every node down and kills anything left.
/// </summary>
internal abstract class ProcessCluster<TDb> : IAsyncDisposable
    where TDb : IDb, IPrimaryAware, IHasLogFiles, IDisposable
{
    private readonly ClusterLimits limits;

    protected ProcessCluster(LocalTestRemote remote, TestContext test, TDb db, ClusterLimits limits)
    {
        Remote = remote;
        Test = test;
        Db = db;
        this.limits = limits;
    }

    public LocalTestRemote Remote { get; }
    public TestContext Test { get; }
    public TDb Db { get; }
    public ImmutableArray<Node> Nodes => Test.Nodes;

    /// <summary>The one leader all live nodes agree on, waiting out elections.</summary>
    public async Task<Node> LeaderAsync(TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var leaders = await Db.PrimariesAsync(Test, CancellationToken.None);
            if (leaders.Count == 1) return leaders[0];
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(15))) throw new TimeoutException($"leaders: [{string.Join(", ", leaders)}]\n{Logs()}");
            await Task.Delay(50);
        }
    }

    public async Task<IClient> OpenAsync(IClient prototype, Node node) => await prototype.OpenAsync(Test, node, CancellationToken.None);

    public async Task<Op> InvokeAsync(IClient client, int process, string f, Value value, Value? key = null) =>
        await client.InvokeAsync(Test, new Op(0, 0, OpType.Invoke, process, f, value, key), CancellationToken.None);

    /// <summary>Invokes fresh ops (a new op each time, never the same op resent) until one is ok.</summary>
    public async Task<Op> UntilOkAsync(IClient client, int process, string f, Value value, Value? key = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var timeout = new CancellationTokenSource(limits.OpTimeout);
            var done = await client.InvokeAsync(Test, new Op(0, 0, OpType.Invoke, process, f, value, key), timeout.Token);
            if (done.Type == OpType.Ok) return done;
            if (deadline.Elapsed > limits.UntilOk) throw new TimeoutException($"{f} never ok; last {done} error {done.Error}\n{Logs()}");
            await Task.Delay(100);
        }
    }

    public string LogFile(Node node) => Db.LogFiles(Test, node).Keys.Single();

    public string Logs() => string.Join("\n", Nodes.Select(n => $"--- {n.Name} ---\n" + (File.Exists(LogFile(n)) ? Tail(File.ReadAllText(LogFile(n))) : "(no log)")));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            try
            {
                await Db.TeardownAsync(Test, node, CancellationToken.None);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // the remote's Dispose below kills whatever is left
            }
        }
        Db.Dispose();
        Remote.Dispose();
    }

    /// <summary>Sets up every node of a new cluster in parallel. <paramref name="db"/> gets two ports free on every node
    /// (client, peer). If setup fails, the cluster is disposed and the error carries the logs.</summary>
    protected static async Task<TCluster> StartAsync<TCluster>(string name, Func<int, int, TDb> db,
        Func<LocalTestRemote, TestContext, TDb, TCluster> cluster)
        where TCluster : ProcessCluster<TDb>
    {
        var subnet = Random.Shared.Next(1, 250);
        var nodes = Enumerable.Range(1, 3)
            .Select(i => new Node($"n{Str(i)}", $"127.0.{Str(subnet)}.{Str(10 + i)}"))
            .ToImmutableArray();
        var (clientPort, peerPort) = FreePorts(nodes);
        var remote = new LocalTestRemote();
        var test = new TestContext(name, nodes, 1, TimeProvider.System) { Remote = remote };
        var started = cluster(remote, test, db(clientPort, peerPort));
        try
        {
            await Task.WhenAll(nodes.Select(n => started.Db.SetupAsync(test, n, CancellationToken.None).AsTask()));
            return started;
        }
        catch (Exception e)
        {
            var logs = started.Logs();
            await started.DisposeAsync();
            throw new InvalidOperationException($"{name} cluster did not start: {e.Message}\n{logs}", e);
        }
    }

    // Daemons log a lot at start: the end says why one stopped.
    private string Tail(string text) => text.Length <= limits.LogTail ? text : text[^limits.LogTail..];

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Two ports free on every node's address.</summary>
    private static (int Client, int Peer) FreePorts(ImmutableArray<Node> nodes)
    {
        var ports = new List<int>();
        for (var attempt = 0; ports.Count < 2; attempt++)
        {
            if (attempt > 100) throw new InvalidOperationException("no two free ports on the test addresses");
            using var probe = new TcpListener(IPAddress.Parse(nodes[0].Address), 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            if (!ports.Contains(port) && nodes.All(n => IsFree(n.Address, port))) ports.Add(port);
        }
        return (ports[0], ports[1]);
    }

    private static bool IsFree(string address, int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Parse(address), port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
