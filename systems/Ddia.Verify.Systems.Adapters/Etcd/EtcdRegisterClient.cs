using System.Globalization;
using System.Text.Json.Nodes;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>
/// The register workload (<see cref="RegisterOps"/>) against etcd's v3 JSON gateway: read is a range (linearizable
/// unless <see cref="EtcdClientOptions.SerializableReads"/>), write a put, cas a txn that compares the value (or, from
/// nil, that the key is absent) and puts. Each opened client talks to its member (etcd forwards proposals to its
/// leader itself); a member that refuses connections is skipped for the next one in order. An op is never resent.
/// </summary>
public sealed class EtcdRegisterClient : IClient
{
    private readonly EtcdClientOptions options;
    private readonly EtcdConnection? connection;

    public EtcdRegisterClient(EtcdClientOptions? options = null)
    {
        this.options = options ?? new EtcdClientOptions();
        this.options.Validate();
    }

    private EtcdRegisterClient(EtcdClientOptions options, EtcdConnection connection)
    {
        this.options = options;
        this.connection = connection;
    }

    /// <summary>The member this client's next op goes to.</summary>
    public Node? Target => connection?.Target;

    public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        return ValueTask.FromResult<IClient>(new EtcdRegisterClient(options, new EtcdConnection(test.Nodes, node, options)));
    }

    public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var client = connection ?? throw new InvalidOperationException("open the client before invoking ops on it");
        var (path, body) = EtcdRegisterShape.Request(invocation, options);
        var answer = await client.PostAsync(path, body, cancellation).ConfigureAwait(false);
        return EtcdRegisterShape.Completion(invocation, answer);
    }

    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask CloseAsync(TestContext test, CancellationToken cancellation)
    {
        connection?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Where register ops meet etcd requests. etcd stores bytes: integers travel as their invariant text and come back as
/// integers, so a read returns exactly the value that was written.
/// </summary>
internal static class EtcdRegisterShape
{
    public static (string Path, JsonObject Body) Request(Op op, EtcdClientOptions options)
    {
        var key = options.KeyPrefix + (op.Key is { } k ? Text(k) : "0");
        switch (op.F)
        {
            case RegisterOps.Read:
                return (EtcdGateway.RangePath, EtcdGateway.Range(key, options.SerializableReads));
            case RegisterOps.Write:
                return (EtcdGateway.PutPath, EtcdGateway.Put(key, Text(op.Value)));
            case RegisterOps.Cas:
                var (from, to) = RegisterOps.CasParts(op.Value);
                return (EtcdGateway.TxnPath, EtcdGateway.CompareAndPut(key, from.IsNil ? null : Text(from), Text(to)));
            default:
                throw new ArgumentException($"the register client knows read, write and cas, not '{op.F}'", nameof(op));
        }
    }

    public static Op Completion(Op invocation, EtcdAnswer answer) => answer.Outcome switch
    {
        EtcdOutcome.Done when invocation.F == RegisterOps.Read => invocation with { Type = OpType.Ok, Value = FromText(EtcdGateway.RangeValue(answer.Body)) },
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

    private static string Text(Value value) =>
        value.TryGetLong(out var n) ? n.ToString(CultureInfo.InvariantCulture)
        : value.AsText ?? throw new ArgumentException($"register values are integers or strings, got {value}", nameof(value));

    private static Value FromText(string? text) =>
        text is null ? Value.Nil
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? Value.Of(n)
        : Value.Of(text);
}
