using System.Threading.Channels;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Harness.Run;

/// <summary>
/// Runs a generator in real time: one loop asks the <see cref="Scheduler"/> for ops, hands each to its
/// thread's client (or to the nemesis), and records invocations and completions in the order they
/// happen. Times are nanoseconds since the run started, from the test's monotonic clock.
/// </summary>
public static class Interpreter
{
    /// <param name="clients">One opened client per client thread.</param>
    /// <param name="opTimeout">After this an op is recorded as Info (its outcome is unknown); clients must honour cancellation.</param>
    /// <param name="startTimestamp">The zero of op times on <see cref="TestContext.Time"/>'s timestamp scale, when something
    /// else must share it (the status samples); by default, now.</param>
    public static async Task RunAsync(TestContext test, IGenerator generator, IReadOnlyList<IClient> clients, INemesis nemesis,
        HistoryRecorder recorder, TimeSpan opTimeout, CancellationToken cancellation, long? startTimestamp = null)
    {
        var scheduler = new Scheduler(generator, clients.Count, test.Seed);
        var completions = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true });
        var start = startTimestamp ?? test.Time.GetTimestamp();
        long Now() => test.Time.GetElapsedTime(start).Ticks * 100;
        var inFlight = 0;

        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            while (completions.Reader.TryRead(out var done))
            {
                var completion = recorder.Record(done with { Time = Math.Max(Now(), scheduler.Context.Time) });
                scheduler.Complete(completion);
                inFlight--;
            }

            var now = Math.Max(Now(), scheduler.Context.Time);
            switch (scheduler.Next(now))
            {
                case GenResult.Emit emit:
                    var invocation = recorder.Record(emit.Invocation);
                    var thread = scheduler.Context.ThreadOf(invocation.Process);
                    inFlight++;
                    _ = Perform(test, thread == GenContext.NemesisThread ? null : clients[thread], nemesis, invocation, opTimeout, completions.Writer, cancellation);
                    break;
                case GenResult.Pending pending:
                    var wait = pending.WakeAt is { } at ? TimeSpan.FromTicks(Math.Max(1, (at - now) / 100)) : Timeout.InfiniteTimeSpan;
                    await WaitAsync(completions.Reader, wait, cancellation);
                    break;
                default:
                    if (inFlight == 0) return;
                    await completions.Reader.WaitToReadAsync(cancellation);
                    break;
            }
        }
    }

    private static async Task WaitAsync(ChannelReader<Op> reader, TimeSpan wait, CancellationToken cancellation)
    {
        if (wait == Timeout.InfiniteTimeSpan)
        {
            await reader.WaitToReadAsync(cancellation);
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(wait);
        try
        {
            await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // Woken by the generator's time, not by a completion.
        }
    }

    /// <summary>Performs one op and posts its completion; anything but a proper completion in time becomes Info.</summary>
    private static async Task Perform(TestContext test, IClient? client, INemesis nemesis, Op invocation, TimeSpan opTimeout,
        ChannelWriter<Op> completions, CancellationToken cancellation)
    {
        Op completion;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(opTimeout);
        try
        {
            var task = client is null ? nemesis.InvokeAsync(test, invocation, deadline.Token).AsTask() : client.InvokeAsync(test, invocation, deadline.Token).AsTask();
            completion = await task.WaitAsync(opTimeout, test.Time, cancellation);
            if (completion.Type == OpType.Invoke || completion.Process != invocation.Process || completion.F != invocation.F)
                completion = invocation with { Type = OpType.Info, Error = Value.Of($"invalid completion from the client: {completion}") };
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            // Past the op timeout (whether the client noticed its token or not): the outcome is unknown.
            completion = invocation with { Type = OpType.Info, Error = Value.Keyword("timeout") };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An exception says nothing about whether the op happened.
            completion = invocation with { Type = OpType.Info, Error = Value.Of($"{e.GetType().Name}: {e.Message}") };
        }
        if (client is null) completion = completion with { Type = OpType.Info };   // nemesis ops are notes
        await completions.WriteAsync(completion, CancellationToken.None);
    }
}
