namespace Ddia.Verify.Systems.Txn;

/// <summary>Lock manager (RC write locks, strict 2PL) and the serial mutex. All state is under the store's gate;
/// waiters park on a task that a release completes.</summary>
public sealed partial class TxnStore
{
    private readonly Dictionary<string, LockEntry> locks = new(StringComparer.Ordinal);
    private readonly List<(TxnState Txn, TaskCompletionSource<bool> Signal)> serialQueue = [];
    private TxnState? serialOwner;

    private sealed class LockEntry
    {
        public Dictionary<TxnState, LockMode> Holders { get; } = [];
        public List<LockWaiter> Queue { get; } = [];
    }

    /// <summary>Takes (or upgrades to) <paramref name="mode"/> on the key, held until the transaction ends. A wait that
    /// would close a waits-for cycle aborts the requester (Deadlock); a wait past the timeout aborts it (LockTimeout).
    /// A compatible request is granted at once even with waiters queued: simpler, and only risks starving a writer.</summary>
    private async Task AcquireAsync(TxnState t, string key, LockMode mode, CancellationToken ct)
    {
        List<TaskCompletionSource<bool>> wake = [];
        LockWaiter waiter;
        TransactionAbortedException? failure = null;
        lock (gate)
        {
            ThrowIfFinished(t);
            if (t.Locks.TryGetValue(key, out var held) && (held == LockMode.Exclusive || mode == LockMode.Shared)) return;
            if (!locks.TryGetValue(key, out var entry)) locks[key] = entry = new LockEntry();
            if (Compatible(entry, t, mode))
            {
                Grant(entry, t, key, mode);
                return;
            }
            waiter = new LockWaiter(t, key, mode);
            entry.Queue.Add(waiter);
            t.Waiting = waiter;
            if (WouldDeadlock(t))
            {
                entry.Queue.Remove(waiter);
                t.Waiting = null;
                failure = Fail(t, AbortReason.Deadlock, $"waiting for {mode} on {key} closes a waits-for cycle", wake);
            }
        }
        if (failure is not null)
        {
            Wake(wake);
            throw failure;
        }

        var reason = AbortReason.LockTimeout;
        try
        {
            await waiter.Signal.Task.WaitAsync(Options.LockWaitTimeout, Options.TimeProvider, ct).ConfigureAwait(false);
        }
        catch (TimeoutException) { reason = AbortReason.LockTimeout; }
        catch (OperationCanceledException) { reason = AbortReason.Cancelled; }

        lock (gate)
        {
            if (t.Waiting == waiter) t.Waiting = null;
            if (waiter.Granted) return;   // granted, possibly just as the wait gave up: take it
            if (locks.TryGetValue(key, out var entry)) entry.Queue.Remove(waiter);
            ThrowIfFinished(t);           // aborted while waiting (store closed)
            failure = Fail(t, reason, $"waited for {mode} on {key}", wake);
        }
        Wake(wake);
        if (reason == AbortReason.Cancelled) ct.ThrowIfCancellationRequested();
        throw failure;
    }

    private static bool Compatible(LockEntry entry, TxnState t, LockMode mode)
    {
        foreach (var (holder, held) in entry.Holders)
        {
            if (holder != t && (mode == LockMode.Exclusive || held == LockMode.Exclusive)) return false;
        }
        return true;
    }

    private static void Grant(LockEntry entry, TxnState t, string key, LockMode mode)
    {
        entry.Holders[t] = mode;
        t.Locks[key] = mode;
    }

    /// <summary>Depth-first search of the waits-for graph from the requester: a waiting transaction waits for the
    /// holders whose locks conflict with its request. Reaching the requester again is a deadlock.</summary>
    private bool WouldDeadlock(TxnState start)
    {
        var seen = new HashSet<TxnState>();
        var stack = new Stack<TxnState>();
        stack.Push(start);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (x.Waiting is not { } w || !locks.TryGetValue(w.Key, out var entry)) continue;
            foreach (var (holder, held) in entry.Holders)
            {
                if (holder == x || (w.Mode == LockMode.Shared && held == LockMode.Shared)) continue;
                if (holder == start) return true;
                if (seen.Add(holder)) stack.Push(holder);
            }
        }
        return false;
    }

    private void ReleaseLocks(TxnState t, List<TaskCompletionSource<bool>> wake)
    {
        if (t.Waiting is { } waiting && locks.TryGetValue(waiting.Key, out var waitedOn))
        {
            waitedOn.Queue.Remove(waiting);
            wake.Add(waiting.Signal);
            t.Waiting = null;
        }
        foreach (var key in t.Locks.Keys)
        {
            if (!locks.TryGetValue(key, out var entry)) continue;
            entry.Holders.Remove(t);
            // Grant queued requests, oldest first, while they fit.
            for (var i = 0; i < entry.Queue.Count;)
            {
                var w = entry.Queue[i];
                if (!Compatible(entry, w.Txn, w.Mode)) { i++; continue; }
                entry.Queue.RemoveAt(i);
                Grant(entry, w.Txn, key, w.Mode);
                w.Granted = true;
                wake.Add(w.Signal);
            }
            if (entry.Holders.Count == 0 && entry.Queue.Count == 0) locks.Remove(key);
        }
        t.Locks.Clear();
    }

    /// <summary>Serial: the first operation of a transaction takes the store-wide mutex, first come first served.</summary>
    private async Task BeforeOperationAsync(TxnState t, CancellationToken ct)
    {
        if (Isolation != Isolation.Serial || t.HoldsSerial) return;
        TaskCompletionSource<bool> signal;
        lock (gate)
        {
            ThrowIfFinished(t);
            if (serialOwner is null)
            {
                serialOwner = t;
                t.HoldsSerial = true;
                return;
            }
            signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            serialQueue.Add((t, signal));
        }
        var reason = AbortReason.LockTimeout;
        try
        {
            await signal.Task.WaitAsync(Options.LockWaitTimeout, Options.TimeProvider, ct).ConfigureAwait(false);
        }
        catch (TimeoutException) { reason = AbortReason.LockTimeout; }
        catch (OperationCanceledException) { reason = AbortReason.Cancelled; }
        List<TaskCompletionSource<bool>> wake = [];
        TransactionAbortedException failure;
        lock (gate)
        {
            if (t.HoldsSerial) return;
            serialQueue.RemoveAll(q => q.Txn == t);
            ThrowIfFinished(t);
            failure = Fail(t, reason, "waiting for the serial mutex", wake);
        }
        Wake(wake);
        if (reason == AbortReason.Cancelled) ct.ThrowIfCancellationRequested();
        throw failure;
    }

    private void ReleaseSerial(TxnState t, List<TaskCompletionSource<bool>> wake)
    {
        serialQueue.RemoveAll(q => q.Txn == t);
        if (serialOwner != t) return;
        t.HoldsSerial = false;
        serialOwner = null;
        if (serialQueue.Count == 0) return;
        var (next, signal) = serialQueue[0];
        serialQueue.RemoveAt(0);
        serialOwner = next;
        next.HoldsSerial = true;
        wake.Add(signal);
    }
}
