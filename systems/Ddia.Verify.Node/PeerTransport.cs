using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Ddia.Verify.Systems.Raft;

namespace Ddia.Verify.Node;

/// <summary>
/// The peer transport (TCP). Each node listens on its peer address and, for every peer, keeps one outgoing
/// connection to that peer's listener, over which it sends the messages addressed to that peer; it receives on
/// the connections its peers opened to it. So between two nodes there are two connections, one per direction.
/// <para>Protocol: no handshake; each side writes frames as <see cref="PeerCodec"/> describes, and the receiver
/// takes the sender from the message's <c>from</c> field (the Raft core ignores messages from non-members). A
/// malformed or oversized frame closes the connection.</para>
/// <para>Delivery is best effort, as Raft expects: while a peer is unreachable its messages are dropped (Raft
/// retries), the sender reconnects with exponential backoff (50 ms doubling to 1 s), and a bounded queue per peer
/// drops its oldest message when full.</para>
/// </summary>
internal sealed class PeerTransport : IAsyncDisposable
{
    private const int QueueCapacity = 4096;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly TcpListener listener;
    private readonly Dictionary<int, Channel<RaftMessage>> outgoing = [];
    private readonly Dictionary<int, IPEndPoint> peers;
    private readonly Action<RaftMessage> deliver;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> tasks = [];

    /// <param name="deliver">called, from transport threads, with every message received.</param>
    public PeerTransport(IPEndPoint listen, IReadOnlyDictionary<int, IPEndPoint> peers, Action<RaftMessage> deliver)
    {
        this.peers = new Dictionary<int, IPEndPoint>(peers);
        this.deliver = deliver;
        listener = new TcpListener(listen);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        foreach (var id in peers.Keys)
        {
            outgoing[id] = Channel.CreateBounded<RaftMessage>(new BoundedChannelOptions(QueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            });
        }
    }

    public void Start()
    {
        listener.Start();
        tasks.Add(Task.Run(AcceptLoop));
        foreach (var (id, endPoint) in peers) tasks.Add(Task.Run(() => SendLoop(endPoint, outgoing[id].Reader)));
    }

    /// <summary>Queues a message for its addressee; never blocks. Messages to unknown nodes are dropped.</summary>
    public void Send(RaftMessage message)
    {
        if (outgoing.TryGetValue(message.To, out var queue)) queue.Writer.TryWrite(message);
    }

    private async Task SendLoop(IPEndPoint endPoint, ChannelReader<RaftMessage> queue)
    {
        var token = stop.Token;
        var backoff = MinBackoff;
        while (!token.IsCancellationRequested)
        {
            // Wait for something to send before connecting, so that an idle peer costs nothing.
            try
            {
                if (!await queue.WaitToReadAsync(token).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using var client = new TcpClient(endPoint.AddressFamily) { NoDelay = true };
            try
            {
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    connectTimeout.CancelAfter(ConnectTimeout);
                    await client.ConnectAsync(endPoint, connectTimeout.Token).ConfigureAwait(false);
                }
                backoff = MinBackoff;
                var stream = client.GetStream();
                while (await queue.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    while (queue.TryRead(out var message))
                        await stream.WriteAsync(PeerCodec.Encode(message), token).ConfigureAwait(false);
                    await stream.FlushAsync(token).ConfigureAwait(false);
                }
                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Disconnected: drop what is queued (Raft retries) and back off before reconnecting.
                while (queue.TryRead(out _))
                {
                }
                try
                {
                    await Task.Delay(backoff, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                while (queue.TryRead(out _))
                {
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task AcceptLoop()
    {
        var token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (token.IsCancellationRequested) return;
                continue;
            }
            _ = Task.Run(() => ReceiveLoop(client));
        }
    }

    private async Task ReceiveLoop(TcpClient client)
    {
        var token = stop.Token;
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var header = new byte[4];
                while (!token.IsCancellationRequested)
                {
                    await stream.ReadExactlyAsync(header, token).ConfigureAwait(false);
                    var length = BinaryPrimitives.ReadInt32BigEndian(header);
                    if (length <= 0 || length > PeerCodec.MaxFrameLength) return;
                    var payload = new byte[length];
                    await stream.ReadExactlyAsync(payload, token).ConfigureAwait(false);
                    deliver(PeerCodec.Decode(payload));
                }
            }
            catch (Exception e) when (e is IOException or SocketException or EndOfStreamException
                                          or OperationCanceledException or System.Text.Json.JsonException
                                          or NotSupportedException)
            {
                // The peer went away or spoke garbage: close; it reconnects.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        foreach (var q in outgoing.Values) q.Writer.TryComplete();
        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        stop.Dispose();
    }
}
