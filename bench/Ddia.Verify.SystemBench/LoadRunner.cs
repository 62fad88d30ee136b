using System.Diagnostics;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.SystemBench;

/// <summary>One finished op: what it was, how it ended, and how long it took.</summary>
internal readonly record struct Sample(string F, OpType Type, long LatencyTicks);

/// <summary>
/// A closed loop per client: each sends its next op as soon as the last one completed. Client i is opened on node
/// i mod n (as the harness binds workers), ops are a 50/50 mix of writes (unique values) and reads over the keys.
/// Ops completing inside the measured window, after the warm-up, are kept. Every loop ends at the window's end.
/// </summary>
internal static class LoadRunner
{
    /// <param name="only">Diagnostics: open every client on this node instead.</param>
    public static async Task<IReadOnlyList<Sample>> RunAsync(TestContext test, IClient prototype, BenchOptions options, Node? only,
        CancellationToken cancellation)
    {
        var clients = new List<IClient>();
        for (var i = 0; i < options.Clients; i++)
            clients.Add(await prototype.OpenAsync(test, only ?? test.Nodes[i % test.Nodes.Length], cancellation).ConfigureAwait(false));
        try
        {
            var clock = Stopwatch.StartNew();
            var from = Stopwatch.Frequency * (long)options.WarmUp.TotalSeconds;
            var to = from + (Stopwatch.Frequency * options.Seconds);
            var perClient = await Task.WhenAll(clients.Select((c, i) => Task.Run(() => LoopAsync(test, c, i, clock, from, to, options, cancellation))))
                .ConfigureAwait(false);
            return [.. perClient.SelectMany(s => s)];
        }
        finally
        {
            foreach (var c in clients) await c.CloseAsync(test, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<List<Sample>> LoopAsync(TestContext test, IClient client, int process, Stopwatch clock, long from, long to,
        BenchOptions options, CancellationToken cancellation)
    {
        // Seeded per client: both systems get the same sequence of ops from each client.
        var random = new Random(process);
        var samples = new List<Sample>(capacity: 1 << 14);
        long written = 0;
        while (clock.ElapsedTicks < to && !cancellation.IsCancellationRequested)
        {
            var key = Value.Of(random.Next(options.Keys));
            var invocation = random.Next(2) == 0
                ? new Op(0, 0, OpType.Invoke, process, RegisterOps.Write, Value.Of((process * 1_000_000_000L) + ++written), key)
                : new Op(0, 0, OpType.Invoke, process, RegisterOps.Read, Value.Nil, key);
            var start = clock.ElapsedTicks;
            OpType type;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                timeout.CancelAfter(options.OpTimeout);
                try
                {
                    type = (await client.InvokeAsync(test, invocation, timeout.Token).ConfigureAwait(false)).Type;
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    type = OpType.Info;
                }
#pragma warning disable CA1031 // as in the harness: a client that throws has an unknown outcome, and the load goes on
                catch (Exception)
#pragma warning restore CA1031
                {
                    type = OpType.Info;
                }
            }
            var end = clock.ElapsedTicks;
            if (end >= from && end <= to) samples.Add(new Sample(invocation.F, type, end - start));
        }
        return samples;
    }
}
