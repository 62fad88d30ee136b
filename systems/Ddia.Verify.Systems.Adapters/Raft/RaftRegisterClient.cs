using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Register;

namespace Ddia.Verify.Systems.Adapters.Raft;

/// <summary>
/// The register workload (<see cref="RegisterOps"/>) against ddia-node's key-value API. Each opened client
/// talks to its node, follows not-leader hints for its next op, and never resends an op.
/// </summary>
public sealed class RaftRegisterClient : IClient
{
    private readonly RaftClientOptions options;
    private readonly RaftHttp? http;

    public RaftRegisterClient(RaftClientOptions? options = null)
    {
        this.options = options ?? new RaftClientOptions();
        this.options.Validate();
    }

    private RaftRegisterClient(RaftClientOptions options, RaftHttp http)
    {
        this.options = options;
        this.http = http;
    }

    /// <summary>The node this client's next op goes to (after a not-leader answer, the leader it named).</summary>
    public Node? Target => http?.Target;

    public ValueTask<IClient> OpenAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(test);
        return ValueTask.FromResult<IClient>(new RaftRegisterClient(options, new RaftHttp(test.Nodes, node, options)));
    }

    public ValueTask SetupAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public async ValueTask<Op> InvokeAsync(TestContext test, Op invocation, CancellationToken cancellation)
    {
        var client = http ?? throw new InvalidOperationException("open the client before invoking ops on it");
        var (path, body) = RegisterShape.Request(invocation, options);
        var answer = await client.PostAsync(path, body, cancellation).ConfigureAwait(false);
        return RegisterShape.Completion(invocation, answer);
    }

    public ValueTask TeardownAsync(TestContext test, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask CloseAsync(TestContext test, CancellationToken cancellation)
    {
        http?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The one place where register ops meet ddia-node's HTTP bodies. The node stores strings: integers travel as
/// their invariant text and come back as integers, so a read returns exactly the value that was written.
/// </summary>
internal static class RegisterShape
{
    public static (string Path, object Body) Request(Op op, RaftClientOptions options)
    {
        var key = options.KeyPrefix + (op.Key is { } k ? Text(k) : "0");
        return op.F switch
        {
            RegisterOps.Read => ("/kv/read", new { key }),
            RegisterOps.Write => ("/kv/write", new { key, value = Text(op.Value) }),
            RegisterOps.Cas => CasRequest(key, op.Value),
            _ => throw new ArgumentException($"the register client knows read, write and cas, not '{op.F}'", nameof(op)),
        };
    }

    public static Op Completion(Op invocation, RaftAnswer answer) => answer.Outcome switch
    {
        Outcome.Applied when answer.Ok => invocation.F == RegisterOps.Read
            ? invocation with { Type = OpType.Ok, Value = FromText(answer.Text("value")) }
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
        return ("/kv/cas", new { key, from = from.IsNil ? null : Text(from), to = Text(to) });
    }

    private static Value Error(RaftAnswer answer) => Value.Of(answer.Error ?? "failed");

    private static string Text(Value value) =>
        value.TryGetLong(out var n) ? n.ToString(CultureInfo.InvariantCulture)
        : value.AsText ?? throw new ArgumentException($"register values are integers or strings, got {value}", nameof(value));

    private static Value FromText(string? text) =>
        text is null ? Value.Nil
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? Value.Of(n)
        : Value.Of(text);
}
