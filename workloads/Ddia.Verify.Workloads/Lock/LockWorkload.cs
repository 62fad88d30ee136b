namespace Ddia.Verify.Workloads.Lock;

/// <summary>
/// A lease lock guarding writes to storage (DDIA §8, Figures 8-4 and 8-5): every process acquires the lock,
/// writes under its fencing token (sometimes after a long pause) and releases it. With fencing the storage
/// refuses a paused holder's late write; without it that write lands after the next holder's, which
/// <see cref="FencedWritesChecker"/> reports.
/// </summary>
public static class LockWorkload
{
    /// <summary>The endless acquire → write → release cycle per process, judged by <see cref="FencedWritesChecker"/>.</summary>
    public static Workload Create(LockOptions? options = null)
    {
        var o = options ?? new LockOptions();
        o.Validate();
        return new Workload("lock", LockCycle.Start(o), new FencedWritesChecker());
    }
}
