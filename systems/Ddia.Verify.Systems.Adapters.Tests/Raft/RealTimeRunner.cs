using System.Diagnostics;
using System.Threading.Channels;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using static Ddia.Verify.Generators.GenResult;

namespace Ddia.Verify.Systems.Adapters.Tests.Raft;

/// <summary>
/// A minimal real-time interpreter for these tests (the harness has the real one): one client per worker, opened on
/// node i mod n; ops past <paramref name="opTimeout"/> end info. Returns the history in the order events happened.
/// </summary>
internal static class RealTimeRunner
{
    public static async Task<Ddia.Verify.History.History> RunAsync(TestContext test, IClient prototype, IGenerator generator, int concurrency,
        TimeSpan opTimeout)
    {
        var clients = new List<IClient>();
        for (var i = 0; i < concurrency; i++) clients.Add(await prototype.OpenAsync(test, test.Nodes[i % test.Nodes.Length], CancellationToken.None));
        var scheduler = new Scheduler(Gen.Clients(generator), concurrency, test.Seed);
        var completions = Channel.CreateUnbounded<Op>();
        var history = new List<Op>();
        var clock = Stopwatch.StartNew();
        var inFlight = 0;
        long Now() => Math.Max(clock.Elapsed.Ticks * 100, scheduler.Context.Time);

        while (true)
        {
            var next = scheduler.Next(Now());
            if (next is Emit e)
            {
                history.Add(e.Invocation with { Index = history.Count });
                inFlight++;
                _ = Perform(clients[scheduler.Context.ThreadOf(e.Invocation.Process)], e.Invocation);
                continue;
            }
            if (next is Exhausted && inFlight == 0) break;
            var wake = next is Pending { WakeAt: { } at } ? TimeSpan.FromTicks(Math.Max(1, (at - Now()) / 100)) : Timeout.InfiniteTimeSpan;
            using var timer = new CancellationTokenSource(wake);
            try
            {
                var done = await completions.Reader.ReadAsync(timer.Token);
                inFlight--;
                var completion = done with { Index = history.Count, Time = Now() };
                history.Add(completion);
                scheduler.Complete(completion);
            }
            catch (OperationCanceledException)
            {
                // the generator's wake-up time
            }
        }
        foreach (var c in clients) await c.CloseAsync(test, CancellationToken.None);
        return new(history);

        async Task Perform(IClient client, Op invocation)
        {
            Op completion;
            using var deadline = new CancellationTokenSource(opTimeout);
            try
            {
                completion = await client.InvokeAsync(test, invocation, deadline.Token);
            }
            catch (Exception ex)
            {
                completion = invocation with { Type = OpType.Info, Error = Value.Of(ex.GetType().Name) };
            }
            await completions.Writer.WriteAsync(completion);
        }
    }
}
