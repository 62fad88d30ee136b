using System.Text.Json.Nodes;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>
/// The register workload (<see cref="RegisterOps"/>) against etcd's v3 JSON gateway: read is a range (linearizable
/// unless <see cref="EtcdClientOptions.SerializableReads"/>), write a put, cas a txn that compares the value (or, from
/// nil, that the key is absent) and puts. Each opened client talks to its member (etcd forwards proposals to its
/// leader itself); a member that refuses connections is skipped for the next one in order. An op is never resent.
/// </summary>
public sealed class EtcdRegisterClient : ClusterClient
{
    private readonly EtcdClientOptions options;

    public EtcdRegisterClient(EtcdClientOptions? options = null)
        : this(options ?? new EtcdClientOptions(), connection: null) => this.options.Validate();

    private EtcdRegisterClient(EtcdClientOptions options, ClusterConnection? connection)
        : base(connection) => this.options = options;

    /// <summary>How this client reaches etcd and reads.</summary>
    public EtcdClientOptions Options => options;

    public override async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var connection = Connection;
        var (path, body) = EtcdRegisterShape.Request(invocation, options);
        var answer = await EtcdGateway.PostAsync(connection, path, body, cancellation).ConfigureAwait(false);
        return EtcdRegisterShape.Completion(invocation, answer);
    }

    private protected override IClient Open(IReadOnlyList<Node> nodes, Node first) =>
        new EtcdRegisterClient(options, new ClusterConnection(nodes, first, options.ClientPort, options.ConnectTimeout));
}

/// <summary>
/// Where register ops meet etcd requests. etcd stores bytes: integers travel as their invariant text and come back as
/// integers, so a read returns exactly the value that was written.
/// </summary>
internal static class EtcdRegisterShape
{
    public static (string Path, JsonObject Body) Request(Op op, EtcdClientOptions options)
    {
        var key = RegisterText.Key(op, options.KeyPrefix);
        switch (op.F)
        {
            case RegisterOps.Read:
                return (EtcdGateway.RangePath, EtcdGateway.Range(key, options.SerializableReads));
            case RegisterOps.Write:
                return (EtcdGateway.PutPath, EtcdGateway.Put(key, RegisterText.Text(op.Value)));
            case RegisterOps.Cas:
                var (from, to) = RegisterOps.CasParts(op.Value);
                return (EtcdGateway.TxnPath, EtcdGateway.CompareAndPut(key, from.IsNil ? null : RegisterText.Text(from), RegisterText.Text(to)));
            default:
                throw new ArgumentException($"the register client knows read, write and cas, not '{op.F}'", nameof(op));
        }
    }

    public static Op Completion(Op invocation, EtcdAnswer answer) => answer.Outcome switch
    {
        EtcdOutcome.Done when invocation.F == RegisterOps.Read => invocation with { Type = OpType.Ok, Value = RegisterText.FromText(EtcdGateway.RangeValue(answer.Body)) },
        // A txn whose compare failed changed nothing.
        EtcdOutcome.Done when invocation.F == RegisterOps.Cas && !EtcdGateway.Succeeded(answer.Body) =>
            invocation with { Type = OpType.Fail, Error = Value.Of("compare-failed") },
        EtcdOutcome.Done => invocation with { Type = OpType.Ok },
        EtcdOutcome.NotDone => invocation with { Type = OpType.Fail, Error = Error(answer) },
        // A read changes nothing, so one whose answer was lost is simply not done (Jepsen does the same).
        _ when invocation.F == RegisterOps.Read => invocation with { Type = OpType.Fail, Error = Error(answer) },
        _ => invocation with { Type = OpType.Info, Error = Error(answer) },
    };

    private static Value Error(EtcdAnswer answer) => Value.Of(answer.Error ?? "failed");
}
