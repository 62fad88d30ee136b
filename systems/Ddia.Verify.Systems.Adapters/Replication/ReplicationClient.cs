using System.Text.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Workloads.Counter;
using Ddia.Verify.Workloads.Register;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Systems.Adapters.Replication;

/// <summary>
/// The register, set and counter workloads against ddia-node's replication systems (leader, multi-leader,
/// leaderless), over the key-value API they share: <c>POST /kv/get</c> (values and a context) and <c>POST /kv/put</c>
/// (a value and the context it replaces), plus the single leader's <c>POST /kv/cas</c>.
/// <para>Each opened client talks to its own node; a not-leader answer sends its NEXT op to the leader named (with
/// <see cref="ReplicationClientOptions.ReadsFromOwnNode"/>, reads stay on the own node). An op is never retried. What
/// an answer means: 200 ok; 400, 404, 409 (conflict, not-leader), 503 and a refused connection fail (definitely not
/// done); 504, a connection broken after sending, and no answer within <see cref="ReplicationClientOptions.RequestTimeout"/>
/// are info for a write, an add or a cas, and fail for a read (a read changes nothing).</para>
/// <list type="bullet">
/// <item>register: read = get (no value: nil; several siblings: fail "siblings", the register needs one value);
/// write = put (after a get for its context with <see cref="ReplicationClientOptions.ReadBeforeWrite"/>); cas = /kv/cas.</item>
/// <item>set: add e = get key e mod K, union of every sibling's elements plus e, put with the get's context; read = get
/// all K keys at once, union of every sibling of each, sorted.</item>
/// <item>counter: add n = get (absent 0, siblings: the max), put value+n with the get's context; read = get, the same value.</item>
/// </list>
/// A read-modify-write whose get fails fails: nothing was written.
/// </summary>
public sealed class ReplicationClient : ClusterClient
{
    private readonly ReplicationClientOptions options;
    private readonly Node? home;

    public ReplicationClient(ReplicationClientOptions? options = null)
        : this(options ?? new ReplicationClientOptions(), connection: null, home: null) => this.options.Validate();

    private ReplicationClient(ReplicationClientOptions options, ClusterConnection? connection, Node? home)
        : base(connection)
    {
        this.options = options;
        this.home = home;
    }

    public ReplicationClientOptions Options => options;

    public override async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var connection = Connection;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(options.RequestTimeout);
        // Every request of one op goes to the same node: a read-modify-write puts where it got. All three workloads
        // call their reads "read"; adds, writes and cas go where the writes go (after the leader, if one was named).
        var isRead = invocation.F is RegisterOps.Read or SetOps.Read or CounterOps.Read;
        var node = isRead && options.ReadsFromOwnNode ? home! : connection.Target!;
        var kv = new Kv(connection, node, deadline.Token, cancellation);
        return options.Workload switch
        {
            "set" => await SetAsync(kv, invocation).ConfigureAwait(false),
            "counter" => await CounterAsync(kv, invocation).ConfigureAwait(false),
            _ => await RegisterAsync(kv, invocation).ConfigureAwait(false),
        };
    }

    private protected override IClient Open(IReadOnlyList<Node> nodes, Node first) =>
        new ReplicationClient(options, new ClusterConnection(nodes, first, options.HttpPort, options.ConnectTimeout), first);

    private async Task<Op> RegisterAsync(Kv kv, Op invocation)
    {
        var key = RegisterText.Key(invocation, options.KeyPrefix);
        switch (invocation.F)
        {
            case RegisterOps.Read:
            {
                var got = await kv.GetAsync(key).ConfigureAwait(false);
                return got.Read is not { } read ? Shapes.Failed(invocation, got.Answer)
                    : read.Values.Count > 1 ? invocation with { Type = OpType.Fail, Error = Value.Of("siblings") }
                    : invocation with { Type = OpType.Ok, Value = RegisterText.FromText(read.Values.Count == 0 ? null : read.Values[0]) };
            }
            case RegisterOps.Write:
            {
                string? context = null;
                if (options.ReadBeforeWrite)
                {
                    var got = await kv.GetAsync(key).ConfigureAwait(false);
                    if (got.Read is not { } read) return Shapes.Failed(invocation, got.Answer);
                    context = read.Context;
                }
                return Shapes.Written(invocation, await kv.PutAsync(key, RegisterText.Text(invocation.Value), context).ConfigureAwait(false));
            }
            case RegisterOps.Cas:
            {
                var (from, to) = RegisterOps.CasParts(invocation.Value);
                var body = new { key, from = from.IsNil ? null : RegisterText.Text(from), to = RegisterText.Text(to) };
                return Shapes.Written(invocation, await kv.PostAsync("/kv/cas", body).ConfigureAwait(false));
            }
            default:
                throw new ArgumentException($"the register client knows read, write and cas, not '{invocation.F}'", nameof(invocation));
        }
    }

    private async Task<Op> SetAsync(Kv kv, Op invocation)
    {
        switch (invocation.F)
        {
            case SetOps.Add:
            {
                var element = invocation.Value.AsLong;
                var key = options.SetKey(SetOps.StorageKey(element, options.SetKeys));
                var got = await kv.GetAsync(key).ConfigureAwait(false);
                if (got.Read is not { } read) return Shapes.Failed(invocation, got.Answer);
                var elements = ReplicationValues.Union(read.Values);
                elements.Add(element);
                return Shapes.Written(invocation, await kv.PutAsync(key, ReplicationValues.SetText(elements), read.Context).ConfigureAwait(false));
            }
            case SetOps.Read:
            {
                var all = await Task.WhenAll(Enumerable.Range(0, options.SetKeys).Select(k => kv.GetAsync(options.SetKey(k)))).ConfigureAwait(false);
                if (all.FirstOrDefault(g => g.Read is null) is { } failed) return Shapes.Failed(invocation, failed.Answer);
                var elements = ReplicationValues.Union(all.SelectMany(g => g.Read!.Values));
                return invocation with { Type = OpType.Ok, Value = SetOps.ReadValue(elements) };
            }
            default:
                throw new ArgumentException($"the set client knows add and read, not '{invocation.F}'", nameof(invocation));
        }
    }

    private async Task<Op> CounterAsync(Kv kv, Op invocation)
    {
        var got = await kv.GetAsync(options.CounterKey).ConfigureAwait(false);
        if (got.Read is not { } read) return Shapes.Failed(invocation, got.Answer);
        var value = ReplicationValues.CounterValue(read.Values);
        return invocation.F switch
        {
            CounterOps.Read => invocation with { Type = OpType.Ok, Value = Value.Of(value) },
            CounterOps.Add => Shapes.Written(invocation,
                await kv.PutAsync(options.CounterKey, ReplicationValues.CounterText(checked(value + invocation.Value.AsLong)), read.Context).ConfigureAwait(false)),
            _ => throw new ArgumentException($"the counter client knows add and read, not '{invocation.F}'", nameof(invocation)),
        };
    }

    /// <summary>The requests of one op, all to one node, within the op's deadline.</summary>
    private sealed class Kv(ClusterConnection connection, Node node, CancellationToken deadline, CancellationToken cancellation)
    {
        public async Task<Got> GetAsync(string key)
        {
            var answer = await PostAsync("/kv/get", new { key }).ConfigureAwait(false);
            return new Got(answer, answer.Done == Done.Yes ? Shapes.Read(answer.Body) : null);
        }

        public Task<ReplicationAnswer> PutAsync(string key, string value, string? context) => PostAsync("/kv/put", new { key, value, context });

        public Task<ReplicationAnswer> PostAsync(string path, object body) => ReplicationHttp.PostAsync(connection, node, path, body, deadline, cancellation);
    }
}

/// <summary>A get's answer and, when it was a readable 200, what it read.</summary>
internal sealed record Got(ReplicationAnswer Answer, KvRead? Read);

/// <summary>The values a key holds (none when absent, several siblings under version vectors) and the context a put
/// that replaces them must carry.</summary>
internal sealed record KvRead(IReadOnlyList<string> Values, string? Context);

/// <summary>The one place where the replication API's answers become completions.</summary>
internal static class Shapes
{
    /// <summary>A get's 200 body: <c>{"values": [...], "context": "..."}</c>; null when it is not that shape.</summary>
    public static KvRead? Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array) return null;
        var texts = new List<string>();
        foreach (var v in values.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.String) return null;
            texts.Add(v.GetString()!);
        }
        return new KvRead(texts, ReplicationAnswer.Text(body, "context"));
    }

    /// <summary>A read, or the get of a read-modify-write, that did not succeed: nothing was written.</summary>
    public static Op Failed(Op invocation, ReplicationAnswer answer) =>
        invocation with { Type = OpType.Fail, Error = Value.Of(answer.Done == Done.Yes ? "malformed answer" : answer.Error ?? "failed") };

    /// <summary>A write's, add's or cas's completion: done ok (a cas whose compare failed: fail), not done fail,
    /// unknown info.</summary>
    public static Op Written(Op invocation, ReplicationAnswer answer) => answer.Done switch
    {
        Done.Yes when answer.Body.ValueKind == JsonValueKind.Object && answer.Body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False =>
            invocation with { Type = OpType.Fail, Error = Value.Of("compare-failed") },
        Done.Yes => invocation with { Type = OpType.Ok },
        Done.No => invocation with { Type = OpType.Fail, Error = Value.Of(answer.Error ?? "failed") },
        _ => invocation with { Type = OpType.Info, Error = Value.Of(answer.Error ?? "unknown") },
    };
}
