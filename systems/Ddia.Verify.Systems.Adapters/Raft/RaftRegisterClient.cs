using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Systems.Adapters.Common;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>
/// The register workload (<see cref="RegisterOps"/>) against ddia-node's key-value API. Each opened client
/// talks to its node, follows not-leader hints for its next op, and never resends an op.
/// </summary>
public sealed class RaftRegisterClient : ClusterClient
{
    private readonly RaftClientOptions options;

    public RaftRegisterClient(RaftClientOptions? options = null)
        : this(options ?? new RaftClientOptions(), connection: null) => this.options.Validate();

    private RaftRegisterClient(RaftClientOptions options, ClusterConnection? connection)
        : base(connection) => this.options = options;

    public override async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var connection = Connection;
        var (path, body) = RegisterShape.Request(invocation, options);
        var answer = await RaftHttp.PostAsync(connection, path, body, cancellation).ConfigureAwait(false);
        return RegisterShape.Completion(invocation, answer);
    }

    private protected override IClient Open(IReadOnlyList<Node> nodes, Node first) =>
        new RaftRegisterClient(options, new ClusterConnection(nodes, first, options.HttpPort, options.ConnectTimeout));
}

/// <summary>
/// The one place where register ops meet ddia-node's HTTP bodies. The node stores strings: integers travel as
/// their invariant text and come back as integers, so a read returns exactly the value that was written.
/// </summary>
internal static class RegisterShape
{
    public static (string Path, object Body) Request(Op op, RaftClientOptions options)
    {
        var key = RegisterText.Key(op, options.KeyPrefix);
        return op.F switch
        {
            RegisterOps.Read => ("/kv/read", new { key }),
            RegisterOps.Write => ("/kv/write", new { key, value = RegisterText.Text(op.Value) }),
            RegisterOps.Cas => CasRequest(key, op.Value),
            _ => throw new ArgumentException($"the register client knows read, write and cas, not '{op.F}'", nameof(op)),
        };
    }

    public static Op Completion(Op invocation, RaftAnswer answer) => answer.Outcome switch
    {
        Outcome.Applied when answer.Ok => invocation.F == RegisterOps.Read
            ? invocation with { Type = OpType.Ok, Value = RegisterText.FromText(answer.Text("value")) }
            : invocation with { Type = OpType.Ok },
        // ok false: a cas whose compare failed; it changed nothing.
        Outcome.Applied or Outcome.NotDone => invocation with { Type = OpType.Fail, Error = Error(answer) },
        // A read changes nothing, so one whose answer was lost is simply not done (Jepsen does the same).
        _ when invocation.F == RegisterOps.Read => invocation with { Type = OpType.Fail, Error = Error(answer) },
        _ => invocation with { Type = OpType.Info, Error = Error(answer) },
    };

    private static (string, object) CasRequest(string key, Value value)
    {
        var (from, to) = RegisterOps.CasParts(value);
        return ("/kv/cas", new { key, from = from.IsNil ? null : RegisterText.Text(from), to = RegisterText.Text(to) });
    }

    private static Value Error(RaftAnswer answer) => Value.Of(answer.Error ?? "failed");
}
