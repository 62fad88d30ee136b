using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>
/// The lock-set workload (Jepsen's etcd lock-set) against etcd's v3 lock API. An <c>add</c> of element e is:
/// <list type="number">
/// <item>grant a lease of <see cref="EtcdClientOptions.LockTtlSeconds"/> (<c>/v3/lease/grant</c>), never kept alive;</item>
/// <item>acquire the lock "{KeyPrefix}lock" with it (<c>/v3/lock/lock</c>, which waits while another key holds it);</item>
/// <item>read the set under "{KeyPrefix}set" (<c>/v3/kv/range</c>; comma-separated integers, absent when empty);</item>
/// <item>put it back with e (<c>/v3/kv/put</c>, unconditional: the lock is all that keeps adds apart);</item>
/// <item>release the lock (<c>/v3/lock/unlock</c>); its answer changes nothing (the lease frees the lock anyway).</item>
/// </list>
/// Outcomes: anything that goes wrong before the put is sent leaves the set untouched, so the add fails; the put
/// decides the rest (done: ok; refused or rejected: fail; timed out or broken: info). A <c>read</c> is one range: ok
/// with the elements, else fail. No step is ever resent.
/// </summary>
public sealed class EtcdLockSetClient : ClusterClient
{
    private readonly EtcdClientOptions options;

    public EtcdLockSetClient(EtcdClientOptions? options = null)
        : this(options ?? new EtcdClientOptions(), connection: null) => this.options.Validate();

    private EtcdLockSetClient(EtcdClientOptions options, ClusterConnection? connection)
        : base(connection) => this.options = options;

    public string LockName => options.KeyPrefix + "lock";

    public string SetKey => options.KeyPrefix + "set";

    /// <summary>How this client reaches etcd and reads.</summary>
    public EtcdClientOptions Options => options;

    public override async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        return invocation.F switch
        {
            SetOps.Read => await ReadAsync(invocation, cancellation).ConfigureAwait(false),
            SetOps.Add => await AddAsync(invocation, cancellation).ConfigureAwait(false),
            _ => throw new ArgumentException($"the lock-set client knows add and read, not '{invocation.F}'", nameof(invocation)),
        };
    }

    private async Task<Op> ReadAsync(Op invocation, CancellationToken cancellation)
    {
        var answer = await PostAsync(EtcdGateway.RangePath, EtcdGateway.Range(SetKey, options.SerializableReads), cancellation).ConfigureAwait(false);
        if (answer.Outcome != EtcdOutcome.Done) return Failed(invocation, "read", answer);
        return LockSetText.Parse(EtcdGateway.RangeValue(answer.Body)) is { } elements
            ? invocation with { Type = OpType.Ok, Value = SetOps.ReadValue(elements) }
            : invocation with { Type = OpType.Fail, Error = Value.Of("read: the set's value is not a list of integers") };
    }

    private async Task<Op> AddAsync(Op invocation, CancellationToken cancellation)
    {
        var element = invocation.Value.TryGetLong(out var e) ? e : throw new ArgumentException($"add needs an integer element, not {invocation.Value}", nameof(invocation));
        var grant = await PostAsync(EtcdGateway.LeaseGrantPath, EtcdGateway.LeaseGrant(options.LockTtlSeconds), cancellation).ConfigureAwait(false);
        if (grant.Outcome != EtcdOutcome.Done || EtcdGateway.LeaseId(grant.Body) is not { } lease) return Failed(invocation, "lease", grant);
        var locked = await PostAsync(EtcdGateway.LockPath, EtcdGateway.Lock(LockName, lease), cancellation).ConfigureAwait(false);
        // Even when the answer was lost we may hold the lock: the lease frees it within its TTL, the set is untouched.
        if (locked.Outcome != EtcdOutcome.Done || EtcdGateway.LockKey(locked.Body) is not { } key) return Failed(invocation, "lock", locked);

        Op done;
        var read = await PostAsync(EtcdGateway.RangePath, EtcdGateway.Range(SetKey, options.SerializableReads), cancellation).ConfigureAwait(false);
        if (read.Outcome != EtcdOutcome.Done) done = Failed(invocation, "read", read);
        else if (LockSetText.Parse(EtcdGateway.RangeValue(read.Body)) is not { } elements)
            done = invocation with { Type = OpType.Fail, Error = Value.Of("read: the set's value is not a list of integers") };
        else
        {
            var put = await PostAsync(EtcdGateway.PutPath, EtcdGateway.Put(SetKey, LockSetText.Format([.. elements, element])), cancellation)
                .ConfigureAwait(false);
            done = put.Outcome switch
            {
                EtcdOutcome.Done => invocation with { Type = OpType.Ok },
                EtcdOutcome.NotDone => Failed(invocation, "write", put),
                _ => invocation with { Type = OpType.Info, Error = Value.Of("write: " + (put.Error ?? "unknown")) },
            };
        }
        await PostAsync(EtcdGateway.UnlockPath, EtcdGateway.Unlock(key), cancellation).ConfigureAwait(false);
        return done;
    }

    private Task<EtcdAnswer> PostAsync(string path, System.Text.Json.Nodes.JsonObject body, CancellationToken cancellation) =>
        EtcdGateway.PostAsync(Connection, path, body, cancellation);

    /// <summary>A step failed before the set was written: the add (or read) did nothing.</summary>
    private static Op Failed(Op invocation, string step, EtcdAnswer answer) =>
        invocation with { Type = OpType.Fail, Error = Value.Of($"{step}: {answer.Error ?? "unexpected answer"}") };

    private protected override IClient Open(IReadOnlyList<Node> nodes, Node first) =>
        new EtcdLockSetClient(options, new ClusterConnection(nodes, first, options.ClientPort, options.ConnectTimeout));
}

/// <summary>How the lock-set stores its set in one etcd value: the elements as invariant integers, comma-separated.</summary>
internal static class LockSetText
{
    public static string Format(IEnumerable<long> elements) => string.Join(',', elements.Select(e => e.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The elements of a stored value (null or empty: none), or null when it is not such a list.</summary>
    public static List<long>? Parse(string? text)
    {
        var elements = new List<long>();
        if (string.IsNullOrEmpty(text)) return elements;
        foreach (var part in text.Split(','))
        {
            if (!long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var e)) return null;
            elements.Add(e);
        }
        return elements;
    }
}
