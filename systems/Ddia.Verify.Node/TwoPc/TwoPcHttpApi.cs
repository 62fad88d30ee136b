using System.Text.Json;
using Ddia.Verify.Node.Txn;
using Ddia.Verify.Systems.Txn;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node.TwoPc;

/// <summary>
/// <c>ddia-node --system 2pc</c>: every node is a partition's participant and a coordinator for its own clients.
/// <list type="bullet">
/// <item>Client API: exactly that of <c>--system txn</c> (<see cref="TxnHttpApi"/>), so any node serves any client:
/// POST /txn/begin, /txn/{id}/read|write|append|commit|abort, POST /txn {ops}; 409 <c>{"error":"aborted","reason"}</c>
/// (a participant's reason, participant-unavailable, prepare-failed, unknown-transaction); 500 <c>{"error":"unknown"}</c>.
/// A commit answers only after phase 2 is acknowledged (safe mode), so it may wait while a participant is down.</item>
/// <item>Participant API for peers: POST /2pc/{gtid}/read|write|append (bodies as the client's), /2pc/{gtid}/prepare →
/// <c>{"prepared":true}</c> once durable, /2pc/{gtid}/commit, /2pc/{gtid}/abort (both idempotent); 409 for a no.</item>
/// <item>Coordinator API: GET /2pc/{gtid}/decision → <c>{"decision":"commit"|"abort"|"pending"}</c>.</item>
/// <item>GET /admin/status → <c>{system:"2pc", id, node, role:"primary", isolation, unsafeHeuristic, openTransactions,
/// inDoubt, pendingDecisions, recovered, ...}</c>.</item>
/// </list>
/// </summary>
internal static class TwoPcHttpApi
{
    public static WebApplication Build(NodeOptions options, TwoPcNode node)
    {
        var app = HttpApi.NewApp(options);
        var coordinator = node.Coordinator;
        var participant = node.Participant;

        // ---- client API ----
        app.MapPost("/txn/begin", () => Results.Json(new { txn = coordinator.Begin() }));
        app.MapPost("/txn/{id:long}/read", async (long id, JsonElement body) => !TxnHttpApi.TryKey(body, "key", out var key)
            ? HttpApi.BadRequest("key (a string or a number) is required")
            : Answer(await coordinator.OpAsync(id, TxnOp.Read(key, TxnHttpApi.ForUpdate(body))).ConfigureAwait(false), a => new { value = a.Value }));
        app.MapPost("/txn/{id:long}/write", async (long id, JsonElement body) =>
            !TxnHttpApi.TryKey(body, "key", out var key) || !body.TryGetProperty("value", out var value) || !TxnHttpApi.TryList(value, out var list)
                ? HttpApi.BadRequest("key and value (a number, a list of numbers, or null) are required")
                : Answer(await coordinator.OpAsync(id, TxnOp.Write(key, list)).ConfigureAwait(false), _ => new { ok = true }));
        app.MapPost("/txn/{id:long}/append", async (long id, JsonElement body) =>
            !TxnHttpApi.TryKey(body, "key", out var key) || !body.TryGetProperty("element", out var e) || !TxnHttpApi.TryLong(e, out var element)
                ? HttpApi.BadRequest("key and element (an integer) are required")
                : Answer(await coordinator.OpAsync(id, TxnOp.Append(key, element)).ConfigureAwait(false), _ => new { ok = true }));
        app.MapPost("/txn/{id:long}/commit", async (long id) =>
            Answer(await coordinator.CommitAsync(id).ConfigureAwait(false), _ => new { committed = true }));
        app.MapPost("/txn/{id:long}/abort", async (long id) =>
        {
            await coordinator.AbortAsync(id).ConfigureAwait(false);
            return Results.Json(new { aborted = true });
        });
        app.MapPost("/txn", async (JsonElement body) =>
        {
            if (TxnHttpApi.ParseOps(body) is not { } ops) return HttpApi.BadRequest("ops must be a list of [f, key, value] with f r, append or w");
            var (outcome, results) = await coordinator.ExecuteAsync(ops).ConfigureAwait(false);
            return Answer(outcome, _ => new { committed = true, results });
        });

        // ---- participant API (peers' coordinators) ----
        app.MapPost("/2pc/{gtid}/read", async (string gtid, JsonElement body) => !TxnHttpApi.TryKey(body, "key", out var key)
            ? HttpApi.BadRequest("key is required")
            : Answer(await participant.ReadAsync(gtid, key, TxnHttpApi.ForUpdate(body)).ConfigureAwait(false), a => new { value = a.Value }));
        app.MapPost("/2pc/{gtid}/write", async (string gtid, JsonElement body) =>
            !TxnHttpApi.TryKey(body, "key", out var key) || !body.TryGetProperty("value", out var value) || !TxnHttpApi.TryList(value, out var list)
                ? HttpApi.BadRequest("key and value are required")
                : Answer(await participant.WriteAsync(gtid, key, list).ConfigureAwait(false), _ => new { ok = true }));
        app.MapPost("/2pc/{gtid}/append", async (string gtid, JsonElement body) =>
            !TxnHttpApi.TryKey(body, "key", out var key) || !body.TryGetProperty("element", out var e) || !TxnHttpApi.TryLong(e, out var element)
                ? HttpApi.BadRequest("key and element are required")
                : Answer(await participant.AppendAsync(gtid, key, element).ConfigureAwait(false), _ => new { ok = true }));
        app.MapPost("/2pc/{gtid}/prepare", async (string gtid) =>
            Answer(await participant.PrepareAsync(gtid).ConfigureAwait(false), _ => new { prepared = true }));
        app.MapPost("/2pc/{gtid}/commit", async (string gtid) =>
            Answer(await participant.CommitAsync(gtid).ConfigureAwait(false), a => new { committed = true, note = a.Reason }));
        app.MapPost("/2pc/{gtid}/abort", async (string gtid) =>
            Answer(await participant.AbortAsync(gtid).ConfigureAwait(false), _ => new { aborted = true }));

        // ---- coordinator API (participants in doubt) ----
        app.MapGet("/2pc/{gtid}/decision", (string gtid) => Results.Json(new { decision = coordinator.Decision(gtid) }));

        // A crash point for the harness's crash nemesis (etcd's failpoints, for one step): {"point": name | null}.
        app.MapPost("/admin/crash-point", (JsonElement body) =>
        {
            var point = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("point", out var p) && p.ValueKind == JsonValueKind.String
                ? p.GetString()
                : null;
            if (point is not null && !Coordinator.CrashPoints.Contains(point))
                return HttpApi.BadRequest($"point must be null or one of {string.Join(", ", Coordinator.CrashPoints)}");
            coordinator.ArmCrash(point);
            return Results.Json(new { point });
        });

        app.MapGet("/admin/status", () => Results.Json(new
        {
            system = "2pc",
            crashPoint = coordinator.CrashPoint,
            id = options.Id,
            node = HttpApi.NodeName(options.Id),
            role = "primary",   // every node coordinates its own clients' transactions
            isolation = TxnHttpApi.IsolationName(participant.Store.Isolation),
            unsafeHeuristic = options.UnsafeHeuristic,
            openTransactions = coordinator.RunningCount,
            participantOpen = participant.OpenCount,
            inDoubt = participant.Store.InDoubt.Count,
            pendingDecisions = coordinator.PendingDecisions,
            recoveredDecisions = coordinator.RecoveredDecisions,
            heuristicAborts = participant.HeuristicAborts,
            incarnation = coordinator.Incarnation,
            nodes = coordinator.Partitioning.Nodes,
            recovered = participant.Store.Recovery,
        }));
        return app;
    }

    private static IResult Answer(ParticipantAnswer answer, Func<ParticipantAnswer, object> ok) => answer.Kind switch
    {
        AnswerKind.Ok => Results.Json(ok(answer)),
        AnswerKind.Aborted => TxnHttpApi.Aborted(answer.Reason),
        _ => Results.Json(new { error = "unknown", detail = answer.Reason }, statusCode: StatusCodes.Status500InternalServerError),
    };
}

/// <summary>One 2pc node: its participant (the partition's store) and its coordinator, sharing the peer client.</summary>
internal sealed class TwoPcNode : IDisposable
{
    private readonly NodeOptions options;
    private readonly PeerClient peers;
    private Coordinator? coordinator;

    public TwoPcNode(NodeOptions options)
    {
        this.options = options;
        peers = new PeerClient(options.PeerHttp);
        Participant = new Participant(options, TxnHttpApi.ParseIsolation(options.Isolation)!.Value, AskAsync);
        coordinator = new Coordinator(options, Participant, peers);
    }

    public Participant Participant { get; }

    public Coordinator Coordinator => coordinator!;

    /// <summary>A prepared transaction's decision, from its coordinator (this node's own in-process).</summary>
    private Task<string?> AskAsync(GlobalTxnId id, CancellationToken ct) =>
        id.Coordinator == options.Id
            ? Task.FromResult(coordinator?.Decision(id.ToString()))
            : peers.DecisionAsync(id.Coordinator, id.ToString(), ct);

    public void Dispose()
    {
        coordinator?.Dispose();
        Participant.Dispose();
        peers.Dispose();
    }
}
