using System.Diagnostics;
using System.Threading.Channels;
using Ddia.Verify.Systems.Raft;
using Ddia.Verify.Systems.Raft.StateMachine;
using Ddia.Verify.Systems.Raft.Storage;

namespace Ddia.Verify.Node;

/// <summary>
/// Drives one <see cref="RaftNode"/> from one loop: peer messages, client requests and ticks (every
/// <see cref="TickInterval"/>) arrive through a channel; after each burst of inputs, while the node has a Ready,
/// it persists (fsync, <see cref="FileRaftStorage"/>), then sends, then completes the clients' tasks.
/// <para>Clocks: the monotonic clock is <see cref="Stopwatch"/>; the wall clock is the system's UTC time plus
/// <see cref="Clock"/>'s offset, which <c>POST /admin/clock</c> sets. Leases, reads' and lock acquisitions' wall
/// stamps all use that offset clock.</para>
/// </summary>
internal sealed class RaftHost : IAsyncDisposable
{
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(10);
    private const int MaxInputsPerBatch = 512;

    private readonly Channel<Input> inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, TaskCompletionSource<ClientResponse>> pending = [];
    private readonly FileRaftStorage storage;
    private readonly RaftNode node;
    private readonly PeerTransport transport;
    private readonly CancellationTokenSource stop = new();
    private readonly long startTimestamp = Stopwatch.GetTimestamp();
    private Task? loop;
    private Task? ticker;
    private long nextRequestId;
    private RaftStatus status;

    public RaftHost(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        storage = FileRaftStorage.Open(options.DataDir);
        var raftOptions = new RaftOptions
        {
            Id = options.Id,
            Members = [options.Id, .. options.Peers.Keys],
            ReadMode = options.ReadMode,
            Fencing = options.Fencing,
        };
        node = new RaftNode(raftOptions, storage.Load(), MonotonicNowMs(), Clock.NowMs(), new Random(options.Seed));
        status = node.Status;
        transport = new PeerTransport(options.ListenPeer ?? throw new ArgumentException("a Raft node needs --listen-peer", nameof(options)), options.Peers, m => inputs.Writer.TryWrite(new PeerInput(m)));
    }

    /// <summary>This node's wall clock: the system's UTC clock plus the offset <c>POST /admin/clock</c> sets.</summary>
    public OffsetClock Clock { get; } = new();

    /// <summary>The node's status after the last batch the loop handled.</summary>
    public RaftStatus Status => Volatile.Read(ref status);

    public void Start()
    {
        transport.Start();
        loop = Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);
        ticker = Task.Run(Tick);
    }

    /// <summary>Submits a command; the task completes when the node answers (never, if it never does: callers
    /// time out).</summary>
    public Task<ClientResponse> Propose(Command command) => Submit(id => new ProposeInput(id, command));

    /// <summary>Submits a read stamped with the wall clock now.</summary>
    public Task<ClientResponse> Read(string key)
    {
        var wall = Clock.NowMs();
        return Submit(id => new ReadInput(id, key, wall));
    }

    /// <summary>Acquires the lock for a lease stamped with this node's (offset) wall clock now.</summary>
    public Task<ClientResponse> AcquireLock(string client, long leaseMs) =>
        Propose(new AcquireLock(client, leaseMs, Clock.NowMs()));

    private Task<ClientResponse> Submit(Func<long, Input> make)
    {
        var id = Interlocked.Increment(ref nextRequestId);
        var tcs = new TaskCompletionSource<ClientResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!inputs.Writer.TryWrite(new ClientInput(make(id), tcs)))
            tcs.TrySetException(new ObjectDisposedException(nameof(RaftHost)));
        return tcs.Task;
    }

    private async Task Tick()
    {
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                inputs.Writer.TryWrite(TickInput.Instance);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Run()
    {
        var reader = inputs.Reader;
        while (true)
        {
            try
            {
                if (!reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult()) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            for (var n = 0; n < MaxInputsPerBatch && reader.TryRead(out var input); n++) Handle(input);
            while (node.HasReady) Process(node.TakeReady());
            Volatile.Write(ref status, node.Status);
        }
    }

    private void Handle(Input input)
    {
        switch (input)
        {
            case TickInput:
                node.Tick(MonotonicNowMs(), Clock.NowMs());
                break;
            case PeerInput p:
                node.Receive(p.Message);
                break;
            case ClientInput { Request: ProposeInput propose } c:
                pending[propose.RequestId] = c.Completion;
                node.Propose(propose.RequestId, propose.Command);
                break;
            case ClientInput { Request: ReadInput read } c:
                pending[read.RequestId] = c.Completion;
                node.Read(read.RequestId, read.Key, read.WallMs);
                break;
        }
    }

    private void Process(Ready ready)
    {
        if (ready.ToPersist is { } write) storage.Persist(write);
        foreach (var message in ready.ToSend) transport.Send(message);
        foreach (var response in ready.Responses)
        {
            if (pending.Remove(response.RequestId, out var tcs)) tcs.TrySetResult(response);
        }
    }

    private long MonotonicNowMs() => (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        inputs.Writer.TryComplete();
        if (loop is not null) await loop.ConfigureAwait(false);
        if (ticker is not null) await ticker.ConfigureAwait(false);
        await transport.DisposeAsync().ConfigureAwait(false);
        foreach (var tcs in pending.Values) tcs.TrySetCanceled();
        storage.Dispose();
        stop.Dispose();
    }

    private abstract record Input;

    private sealed record TickInput : Input
    {
        public static TickInput Instance { get; } = new();
    }

    private sealed record PeerInput(RaftMessage Message) : Input;

    private sealed record ProposeInput(long RequestId, Command Command) : Input;

    private sealed record ReadInput(long RequestId, string Key, long WallMs) : Input;

    private sealed record ClientInput(Input Request, TaskCompletionSource<ClientResponse> Completion) : Input;
}
