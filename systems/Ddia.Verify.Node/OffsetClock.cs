namespace Ddia.Verify.Node;

/// <summary>The node's wall clock, shifted by <c>POST /admin/clock</c> (the harness's clock-skew nemesis), for every system:
/// leases, lock stamps and LWW timestamps come from it; timeouts never do (they use the monotonic clock).</summary>
internal sealed class OffsetClock
{
    private long offsetMs;

    public long OffsetMs
    {
        get => Interlocked.Read(ref offsetMs);
        set => Interlocked.Exchange(ref offsetMs, value);
    }

    public long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + OffsetMs;
}
