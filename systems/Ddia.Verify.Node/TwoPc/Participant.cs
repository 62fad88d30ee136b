using System.Collections.Concurrent;
using Ddia.Verify.Node.Txn;
using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Node.TwoPc;

/// <summary>
/// This node's partition of the data as a two-phase-commit participant: a <see cref="TxnStore"/> (lock-based
/// isolation, 1 s lock wait, so a deadlock across partitions, which no single waits-for graph sees, ends by timeout)
/// and one local transaction per global id, begun by the first micro-op that reaches it.
/// <para>
/// Prepared transactions wait for their coordinator. In safe mode a background loop asks the coordinator (named in
/// the global id) for its decision once a transaction has been prepared for a while, and applies it; while the
/// coordinator is down or undecided the locks stay held: that blocking is what 2PC costs (DDIA "stuck in doubt").
/// </para>
/// <para>
/// With <c>--unsafe-heuristic</c> (DDIA's "heuristic decisions") a participant prepared for longer than
/// <c>--heuristic-timeout-ms</c> stops waiting and rolls back on its own, to free its locks (the usual heuristic of
/// XA resource managers). It breaks atomicity whenever the coordinator had decided commit and some other participant
/// already committed: a coordinator killed or paused between its commit messages, or this participant stopped (killed,
/// paused) between its vote and the commit, which the unsafe coordinator sends only once. Then one partition has the
/// transaction's writes and this one never will.
/// </para>
/// </summary>
internal sealed class Participant : IDisposable
{
    /// <summary>An unprepared part nobody touched this long is aborted: a participant may always abort what it has not
    /// voted on.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An unprepared part untouched this long is aborted at once if its coordinator says "abort" (it restarted
    /// since, or no longer runs it: presumed abort), so a crashed coordinator's orphans do not hold their locks (reads
    /// for update, writes) for the whole idle timeout once it is back.</summary>
    private static readonly TimeSpan OrphanCheckAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskAfter = TimeSpan.FromMilliseconds(500);

    private readonly NodeOptions options;
    private readonly Func<GlobalTxnId, CancellationToken, Task<string?>> askCoordinator;
    private readonly Lock openGate = new();
    private readonly Dictionary<string, Local> open = new(StringComparer.Ordinal);
    // Global ids whose unprepared part was aborted here: a late micro-op must not begin them afresh. Bounded.
    private readonly ConcurrentDictionary<string, byte> abortedUnprepared = new(StringComparer.Ordinal);
    // Commit/abort of prepared transactions one at a time: the coordinator's phase 2 and the in-doubt loop may race.
    private readonly SemaphoreSlim decisions = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task resolver;
    private int heuristicAborts;

    private sealed class Local(Transaction transaction)
    {
        public Transaction Transaction { get; } = transaction;
        public long LastUse { get; set; } = Environment.TickCount64;
    }

    public Participant(NodeOptions options, Isolation isolation, Func<GlobalTxnId, CancellationToken, Task<string?>> askCoordinator)
    {
        this.options = options;
        this.askCoordinator = askCoordinator;
        Store = TxnStore.Open(Path.Combine(options.DataDir, "store"),
            new StoreOptions { Isolation = isolation, LockWaitTimeout = TimeSpan.FromSeconds(1) });
        resolver = Task.Run(ResolveLoopAsync);
    }

    public TxnStore Store { get; }

    public int OpenCount
    {
        get
        {
            lock (openGate) return open.Count;
        }
    }

    public int HeuristicAborts => Volatile.Read(ref heuristicAborts);

    // ---- micro-ops (the coordinator sends them one at a time per global transaction) ----

    public Task<ParticipantAnswer> ReadAsync(string gtid, string key, bool forUpdate) =>
        RunAsync(gtid, async t => new ParticipantAnswer(AnswerKind.Ok,
            forUpdate ? await t.ReadForUpdateAsync(key).ConfigureAwait(false) : await t.ReadAsync(key).ConfigureAwait(false)));

    public Task<ParticipantAnswer> WriteAsync(string gtid, string key, IReadOnlyList<long>? list) =>
        RunAsync(gtid, async t =>
        {
            await t.WriteAsync(key, list).ConfigureAwait(false);
            return ParticipantAnswer.Done;
        });

    public Task<ParticipantAnswer> AppendAsync(string gtid, string key, long element) =>
        RunAsync(gtid, async t =>
        {
            await t.AppendAsync(key, element).ConfigureAwait(false);
            return ParticipantAnswer.Done;
        });

    private async Task<ParticipantAnswer> RunAsync(string gtid, Func<Transaction, Task<ParticipantAnswer>> op)
    {
        Transaction t;
        lock (openGate)
        {
            if (open.TryGetValue(gtid, out var local))
            {
                local.LastUse = Environment.TickCount64;
                t = local.Transaction;
            }
            else
            {
                // Prepared, finished, or aborted here already: its part cannot grow any more.
                if (abortedUnprepared.ContainsKey(gtid) || Store.Outcome(gtid) != GlobalOutcome.Unknown)
                    return ParticipantAnswer.No("unknown-transaction");
                t = Store.Begin();
                open[gtid] = new Local(t);
            }
        }
        try
        {
            return await op(t).ConfigureAwait(false);
        }
        catch (TransactionAbortedException e)
        {
            Forget(gtid);
            return ParticipantAnswer.No(TxnHttpApi.Kebab(e.Reason.ToString()));
        }
        catch (InvalidOperationException)
        {
            // Prepared or ended meanwhile (a late op after prepare or abort).
            return ParticipantAnswer.No("unknown-transaction");
        }
    }

    // ---- phase 1 ----

    /// <summary>Yes only after the PREPARED record is durable. A part it no longer has (aborted, or lost in a crash
    /// before prepare) is a no: its writes are gone.</summary>
    public async Task<ParticipantAnswer> PrepareAsync(string gtid)
    {
        Local? local;
        lock (openGate)
        {
            open.TryGetValue(gtid, out local);
            // From here no sweep may abort it; a prepared one is no longer "open".
            open.Remove(gtid);
        }
        if (local is null)
            return Store.Outcome(gtid) == GlobalOutcome.Prepared ? ParticipantAnswer.Done : ParticipantAnswer.No("unknown-transaction");
        try
        {
            await local.Transaction.PrepareAsync(gtid).ConfigureAwait(false);
            return ParticipantAnswer.Done;
        }
        catch (TransactionAbortedException e)
        {
            Remember(gtid);
            return ParticipantAnswer.No(TxnHttpApi.Kebab(e.Reason.ToString()));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            local.Transaction.Abort();
            Remember(gtid);
            return ParticipantAnswer.No("prepare-failed");
        }
    }

    // ---- phase 2 (idempotent: the coordinator retries) ----

    public async Task<ParticipantAnswer> CommitAsync(string gtid)
    {
        await decisions.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Store.FindPrepared(gtid) is { } t)
            {
                await t.CommitPreparedAsync().ConfigureAwait(false);
                return ParticipantAnswer.Done;
            }
            lock (openGate)
            {
                if (open.ContainsKey(gtid)) return ParticipantAnswer.No("not-prepared");
            }
            return Store.Outcome(gtid) switch
            {
                // Only a heuristic (or a broken coordinator) can have aborted what was decided commit.
                GlobalOutcome.Aborted => ParticipantAnswer.No(options.UnsafeHeuristic ? "heuristic-abort" : "already-aborted"),
                GlobalOutcome.Committed => ParticipantAnswer.Done,
                // Unknown here: finished long ago (forgotten by compaction), so there is nothing to do.
                _ => new ParticipantAnswer(AnswerKind.Ok, Reason: "nothing-to-do"),
            };
        }
        catch (IOException e)
        {
            return ParticipantAnswer.Unavailable(e.Message);
        }
        finally
        {
            decisions.Release();
        }
    }

    public async Task<ParticipantAnswer> AbortAsync(string gtid)
    {
        Forget(gtid);
        await decisions.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Store.FindPrepared(gtid) is { } t)
            {
                await t.AbortPreparedAsync().ConfigureAwait(false);
                return ParticipantAnswer.Done;
            }
            // The coordinator learns that this participant's heuristic went the other way.
            return Store.Outcome(gtid) == GlobalOutcome.Committed
                ? ParticipantAnswer.No(options.UnsafeHeuristic ? "heuristic-commit" : "already-committed")
                : ParticipantAnswer.Done;
        }
        catch (IOException e)
        {
            return ParticipantAnswer.Unavailable(e.Message);
        }
        finally
        {
            decisions.Release();
        }
    }

    private void Forget(string gtid)
    {
        Local? local;
        lock (openGate)
        {
            if (open.Remove(gtid, out local)) Remember(gtid);
        }
        local?.Transaction.Abort();
    }

    private void Remember(string gtid)
    {
        if (abortedUnprepared.Count > 100_000) abortedUnprepared.Clear();
        abortedUnprepared[gtid] = 0;
    }

    // ---- background: in-doubt resolution and idle sweeps ----

    private async Task ResolveLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), stopping.Token).ConfigureAwait(false);
                await SweepUnpreparedAsync(stopping.Token).ConfigureAwait(false);
                await ResolveInDoubtAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                await Console.Error.WriteLineAsync($"2pc participant: in-doubt resolution failed: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    /// <summary>Aborts the unprepared parts left behind (<see cref="IdleTimeout"/>, <see cref="OrphanCheckAfter"/>); prepared
    /// ones never are here.</summary>
    private async Task SweepUnpreparedAsync(CancellationToken ct)
    {
        var now = Environment.TickCount64;
        List<(string Gtid, long IdleMs)> quiet;
        lock (openGate)
        {
            quiet = [.. open.Select(kv => (kv.Key, now - kv.Value.LastUse)).Where(p => p.Item2 > OrphanCheckAfter.TotalMilliseconds)];
        }
        // Asked all at once: a paused coordinator answers none of them, and one timeout each in turn would hold up the
        // in-doubt resolution that runs after this in the same loop.
        await Task.WhenAll(quiet.Select(async part =>
        {
            if (part.IdleMs > IdleTimeout.TotalMilliseconds
                || (GlobalTxnId.Parse(part.Gtid) is { } id && await askCoordinator(id, ct).ConfigureAwait(false) == "abort"))
                Forget(part.Gtid);
        })).ConfigureAwait(false);
    }

    private async Task ResolveInDoubtAsync(CancellationToken ct)
    {
        var now = Store.Options.TimeProvider.GetUtcNow();
        foreach (var t in Store.InDoubt)
        {
            if (t.PreparedAt is not { } since || t.GlobalId is not { } gtid) continue;
            var waited = now - since;
            if (options.UnsafeHeuristic)
            {
                if (waited <= TimeSpan.FromMilliseconds(options.HeuristicTimeoutMs)) continue;
                // Decides alone, without asking: the coordinator keeps no log in this mode, so it could not say.
                if ((await AbortAsync(gtid).ConfigureAwait(false)).Kind == AnswerKind.Ok)
                {
                    Interlocked.Increment(ref heuristicAborts);
                    await Console.Error.WriteLineAsync($"2pc participant: heuristic abort of {gtid} after {waited.TotalMilliseconds:F0} ms in doubt")
                        .ConfigureAwait(false);
                }
                continue;
            }
            if (waited <= AskAfter || GlobalTxnId.Parse(gtid) is not { } id) continue;
            switch (await askCoordinator(id, ct).ConfigureAwait(false))
            {
                case "commit": await CommitAsync(gtid).ConfigureAwait(false); break;
                case "abort": await AbortAsync(gtid).ConfigureAwait(false); break;
                default: break;   // pending, or no answer: keep waiting, locks held
            }
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        try
        {
            resolver.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        lock (openGate)
        {
            foreach (var local in open.Values) local.Transaction.Abort();
            open.Clear();
        }
        Store.Dispose();
        stopping.Dispose();
    }
}
