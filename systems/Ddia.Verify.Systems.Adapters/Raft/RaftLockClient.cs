using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Workloads.Lock;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>
/// The lock workload (<see cref="LockOps"/>) against ddia-node's lock service and fenced storage. The client
/// remembers its process's fencing token from the last ok acquire; a write stalls for its <c>stallMs</c>
/// (the holder's "GC pause") and is then sent under that token, whether or not the lease is still live,
/// which is the point: only the storage's fence can stop it.
/// </summary>
public sealed class RaftLockClient : ClusterClient
{
    private readonly RaftClientOptions options;
    private readonly Lock gate = new();

    // The token is the process's, not the worker's: a worker that continues as a new process holds nothing.
    private (int Process, long Token)? held;

    public RaftLockClient(RaftClientOptions? options = null)
        : this(options ?? new RaftClientOptions(), connection: null) => this.options.Validate();

    private RaftLockClient(RaftClientOptions options, ClusterConnection? connection)
        : base(connection) => this.options = options;

    public override async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var connection = Connection;
        var token = TokenOf(invocation.Process);
        switch (invocation.F)
        {
            case LockOps.Acquire:
            {
                var answer = await RaftHttp.PostAsync(connection, "/lock/acquire", LockShape.Acquire(invocation, options), cancellation).ConfigureAwait(false);
                var done = LockShape.AcquireCompletion(invocation, answer);
                if (done.Type == OpType.Ok) SetToken(invocation.Process, LockOps.Field(done.Value, "token")!.Value);
                return done;
            }
            case LockOps.Write:
            {
                if (token is not { } t) return LockShape.NoToken(invocation);
                var stallMs = LockOps.Field(invocation.Value, "stallMs") ?? 0;
                if (stallMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(stallMs), test.Time, cancellation).ConfigureAwait(false);
                var answer = await RaftHttp.PostAsync(connection, "/lock/write", LockShape.Write(invocation, t, options), cancellation).ConfigureAwait(false);
                return LockShape.WriteCompletion(invocation, t, answer);
            }
            case LockOps.Release:
            {
                if (token is not { } t) return LockShape.NoToken(invocation);
                // Whatever the answer, this process no longer believes it holds the lock.
                SetToken(invocation.Process, null);
                var answer = await RaftHttp.PostAsync(connection, "/lock/release", LockShape.Release(invocation, t), cancellation).ConfigureAwait(false);
                return LockShape.ReleaseCompletion(invocation, t, answer);
            }
            default:
                throw new ArgumentException($"the lock client knows acquire, write and release, not '{invocation.F}'", nameof(invocation));
        }
    }

    private protected override IClient Open(IReadOnlyList<Node> nodes, Node first) =>
        new RaftLockClient(options, new ClusterConnection(nodes, first, options.HttpPort, options.ConnectTimeout));

    private long? TokenOf(int process)
    {
        lock (gate) return held is { } h && h.Process == process ? h.Token : null;
    }

    private void SetToken(int process, long? token)
    {
        lock (gate) held = token is { } t ? (process, t) : null;
    }
}

/// <summary>The one place where lock ops meet ddia-node's HTTP bodies.</summary>
internal static class LockShape
{
    /// <summary>The lock-service client name of a history process: its holder identity.</summary>
    public static string ClientName(int process) => "p" + process.ToString(CultureInfo.InvariantCulture);

    public static object Acquire(Op op, RaftClientOptions options) =>
        new { client = ClientName(op.Process), leaseMs = LockOps.Field(op.Value, "leaseMs") ?? options.DefaultLeaseMs };

    public static object Write(Op op, long token, RaftClientOptions options) =>
        new { token, key = options.FencedKey, value = Required(op, "value").ToString(CultureInfo.InvariantCulture) };

    public static object Release(Op op, long token) => new { client = ClientName(op.Process), token };

    public static Op AcquireCompletion(Op invocation, RaftAnswer answer) =>
        answer.Ok && answer.Number("token") is { } token
            ? invocation with { Type = OpType.Ok, Value = LockOps.TokenValue(token) }
            : NotOk(invocation, answer);

    public static Op WriteCompletion(Op invocation, long token, RaftAnswer answer)
    {
        var value = Required(invocation, "value");
        var stallMs = LockOps.Field(invocation.Value, "stallMs") ?? 0;
        if (answer.Ok && answer.Number("index") is { } index)
            return invocation with { Type = OpType.Ok, Value = LockOps.WrittenValue(value, token, index, stallMs) };
        // Fenced off (ok false) or never applied: say under which token it was tried.
        return NotOk(invocation, answer) with { Value = invocation.Value };
    }

    public static Op ReleaseCompletion(Op invocation, long token, RaftAnswer answer) =>
        answer.Ok ? invocation with { Type = OpType.Ok, Value = LockOps.TokenValue(token) } : NotOk(invocation, answer);

    /// <summary>A write or release by a process that holds no token: refused here, nothing is sent.</summary>
    public static Op NoToken(Op invocation) => invocation with { Type = OpType.Fail, Error = Value.Of("no-token") };

    /// <summary>ok false (lock held, write fenced, not the holder) and not-leader answers are definite; the rest is unknown.</summary>
    private static Op NotOk(Op invocation, RaftAnswer answer) => invocation with
    {
        Type = answer.Outcome is Outcome.Applied or Outcome.NotDone ? OpType.Fail : OpType.Info,
        Error = Value.Of(answer.Error ?? "failed"),
    };

    private static long Required(Op op, string field) =>
        LockOps.Field(op.Value, field) ?? throw new ArgumentException($"a lock {op.F} needs an integer '{field}' in its value, got {op.Value}", nameof(op));
}
