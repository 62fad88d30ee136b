using Ddia.Verify.History;
using static Ddia.Verify.Generators.Tests.Sim;

namespace Ddia.Verify.Generators.Tests;

public sealed class SchedulerTests
{
    [Fact]
    public void AThreadWhoseOpEndedInfo_ContinuesAsProcessPlusConcurrency()
    {
        // Process 1's first op is lost (info); everything else is ok.
        Completer complete = (op, _) => (op with { Type = op.Process == 1 ? OpType.Info : OpType.Ok }, Ms);

        var history = RunClients(Gen.Limit(12, Gen.Repeat(Do("w"))), concurrency: 3, complete: complete);

        AssertWellFormed(history);
        var processes = history.Invocations().Select(o => o.Process).ToList();
        Assert.Single(processes, 1);                          // never invoked again
        Assert.True(processes.Count(p => p == 4) > 1);        // thread 1 goes on as 1 + 3
        Assert.True(processes.IndexOf(4) > processes.IndexOf(1));
        Assert.DoesNotContain(7, processes);                  // process 4's ops are ok: no further change
    }

    [Fact]
    public void TheNemesis_StaysTheNemesisProcess_ThoughItsOpsEndInfo()
    {
        var history = Run(Gen.Nemesis(Gen.Limit(3, Gen.Repeat(Do("fault")))));

        Assert.All(history, o => Assert.Equal(Op.NemesisProcess, o.Process));
        Assert.All(history.Where(o => o.IsCompletion), o => Assert.Equal(OpType.Info, o.Type));
    }

    [Fact]
    public void Next_RejectsAnOpForABusyProcess()
    {
        var scheduler = new Scheduler(new Stubborn(), 2, 0);
        scheduler.Next(0);

        var e = Assert.Throws<InvalidOperationException>(() => scheduler.Next(0));
        Assert.Contains("not a free process", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_RejectsAWakeUpTimeThatIsNotInTheFuture() =>
        Assert.Throws<InvalidOperationException>(() => new Scheduler(new Stuck(WakeAt: 5), 1, 0).Next(5));

    [Fact]
    public void Next_RejectsTimeGoingBack()
    {
        var scheduler = new Scheduler(Gen.Sleep(TimeSpan.FromSeconds(1)), 1, 0);
        scheduler.Next(10);

        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Next(9));
    }

    [Fact]
    public void Complete_RejectsACompletionOfNothingInFlight() =>
        Assert.Throws<ArgumentException>(() => new Scheduler(Gen.Empty, 1, 0).Complete(new Op(-1, 0, OpType.Ok, 0, "r", Value.Nil)));

    [Fact]
    public void Scheduler_AfterExhaustion_StaysExhausted_AndStillAcceptsCompletions()
    {
        var scheduler = new Scheduler(Gen.Clients(Gen.Once(Do("r"))), 1, 0);
        var invocation = Assert.IsType<GenResult.Emit>(scheduler.Next(0)).Invocation;

        Assert.IsType<GenResult.Exhausted>(scheduler.Next(0));
        scheduler.Complete(invocation with { Type = OpType.Ok, Time = 3 });
        Assert.IsType<GenResult.Exhausted>(scheduler.Next(3));
        Assert.True(scheduler.Context.AllFree);
    }

    [Fact]
    public void Simulator_SaysSo_WhenAGeneratorWouldWaitForever()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Run(new Stuck(WakeAt: null)));
        Assert.Contains("wait forever", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulator_StopsAGeneratorThatNeverEnds() =>
        Assert.Throws<InvalidOperationException>(() => new Simulator(2, 0) { MaxInvocations = 100 }.Run(Gen.Repeat(Do("r"))));

    [Fact]
    public void Simulator_RejectsACompleterThatAnswersWithAnInvocation() =>
        Assert.Throws<InvalidOperationException>(() => Run(Gen.Once(Do("r")), complete: (op, _) => (op, 0)));

    /// <summary>Always emits for process 0, free or not.</summary>
    private sealed record Stubborn : IGenerator
    {
        public GenResult Next(GenContext ctx) => new GenResult.Emit(new Op(-1, ctx.Time, OpType.Invoke, 0, "r", Value.Nil), this);
        public IGenerator Update(GenContext ctx, Op evt) => this;
    }

    private sealed record Stuck(long? WakeAt) : IGenerator
    {
        public GenResult Next(GenContext ctx) => new GenResult.Pending(this, WakeAt);
        public IGenerator Update(GenContext ctx, Op evt) => this;
    }
}
