using System.Globalization;
using System.Text.Json;
using Ddia.Verify.Systems.Raft;
using Ddia.Verify.Systems.Raft.StateMachine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ddia.Verify.Node;

/// <summary>
/// The client API (HTTP/JSON, camelCase). Every operation answers one of:
/// <list type="bullet">
/// <item>200 <c>{"ok":true|false,"value":...,"token":...,"error":...,"index":...}</c> (index: the log index a
/// command was applied at; null for reads served without the log, in read modes index and lease): the operation
/// took effect (ok false is a definite "did nothing": cas mismatch, lock held, write fenced);</item>
/// <item>409 <c>{"error":"not-leader","leader":"n2"}</c> (503 when no leader is known, <c>leader</c> null): it
/// definitely did not happen (not the leader, or superseded by another leader's entry). With <c>--peer-http</c>, a
/// follower forwards the request to the leader it knows and relays the answer instead (<see cref="Forwarder"/>);</item>
/// <item>504 <c>{"error":"timeout"}</c> after <see cref="RequestTimeout"/>: unknown whether it happened;</item>
/// <item>400 <c>{"error":...}</c> for a malformed request, naming the missing or mistyped field (415, with no body,
/// when the Content-Type is not JSON).</item>
/// </list>
/// Routes: POST /kv/read {key}, /kv/write {key,value}, /kv/cas {key,from,to}, /lock/acquire {client,leaseMs},
/// /lock/release {client,token}, /lock/write {token,key,value}; GET /admin/status; POST /admin/clock {offsetMs}.
/// </summary>
internal static class HttpApi
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    public static WebApplication Build(NodeOptions options, RaftHost host)
    {
        var app = NewApp(options);

        var forwarder = new Forwarder(options);
        app.Lifetime.ApplicationStopped.Register(forwarder.Dispose);

        // The local answer, or, from a follower that knows the leader, the leader's answer to the same request.
        async Task<IResult> Reply<T>(HttpContext context, T request, Task<ClientResponse> local)
        {
            var response = await Wait(local).ConfigureAwait(false);
            return response is { Status: ResponseStatus.NotLeader } && forwarder.CanForward(context, response.LeaderHint)
                ? await forwarder.ForwardAsync(context, request, response.LeaderHint!.Value).ConfigureAwait(false)
                : Answer(response);
        }

        app.MapPost("/kv/read", (HttpContext c, KeyRequest r) =>
            r.Key is null ? Task.FromResult(BadRequest("key is required")) : Reply(c, r, host.Read(r.Key)));
        app.MapPost("/kv/write", (HttpContext c, WriteRequest r) =>
            r.Key is null || r.Value is null
                ? Task.FromResult(BadRequest("key and value are required"))
                : Reply(c, r, host.Propose(new KvWrite(r.Key, r.Value))));
        app.MapPost("/kv/cas", (HttpContext c, CasRequest r) =>
            r.Key is null || r.To is null
                ? Task.FromResult(BadRequest("key and to are required"))
                : Reply(c, r, host.Propose(new KvCas(r.Key, r.From, r.To))));
        app.MapPost("/lock/acquire", (HttpContext c, AcquireRequest r) =>
            r.Client is null || r.LeaseMs is not > 0
                ? Task.FromResult(BadRequest("client and a positive leaseMs are required"))
                : Reply(c, r, host.AcquireLock(r.Client, r.LeaseMs.Value)));
        app.MapPost("/lock/release", (HttpContext c, ReleaseRequest r) =>
            r.Client is null || r.Token is null
                ? Task.FromResult(BadRequest("client and token are required"))
                : Reply(c, r, host.Propose(new ReleaseLock(r.Client, r.Token.Value))));
        app.MapPost("/lock/write", (HttpContext c, FencedWriteRequest r) =>
            r.Token is null || r.Key is null || r.Value is null
                ? Task.FromResult(BadRequest("token, key and value are required"))
                : Reply(c, r, host.Propose(new FencedWrite(r.Token.Value, r.Key, r.Value))));
        app.MapGet("/admin/status", () => Results.Json(StatusBody(options, host)));
        MapClock(app, host.Clock);
        return app;
    }

    /// <summary>Kestrel on the node's client endpoint, answering unreadable bodies with a JSON 400 that says why; each system maps its routes on it.</summary>
    public static WebApplication NewApp(NodeOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.ListenHttp));
        // Unreadable bodies throw instead of getting an empty 400, so that the middleware below can say why.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                // Clients parse every answer as JSON (the contract above); the JSON error names the field ("Path: $.key").
                var why = e.InnerException is JsonException json ? "malformed JSON: " + json.Message
                    : context.Request.ContentLength == 0 ? "a JSON body is required"
                    : e.Message;
                await Results.Json(new { error = why }, statusCode: e.StatusCode).ExecuteAsync(context).ConfigureAwait(false);
            }
        });
        return app;
    }

    /// <summary><c>POST /admin/clock {offsetMs}</c> → <c>{offsetMs, wallNowMs}</c>: sets <paramref name="clock"/>'s offset.</summary>
    public static void MapClock(WebApplication app, OffsetClock clock) =>
        app.MapPost("/admin/clock", (ClockRequest r) =>
        {
            if (r.OffsetMs is null) return BadRequest("offsetMs is required");
            clock.OffsetMs = r.OffsetMs.Value;
            return Results.Json(new { offsetMs = clock.OffsetMs, wallNowMs = clock.NowMs() });
        });

    public static string NodeName(int id) => string.Create(CultureInfo.InvariantCulture, $"n{id}");

    private static object StatusBody(NodeOptions options, RaftHost host)
    {
        var s = host.Status;
        var wall = host.Clock.NowMs();
        long? lease = s.LeaseExpiresWallMs is { } l && l != long.MinValue ? l : null;
        return new
        {
            system = options.System,
            id = s.Id,
            node = NodeName(s.Id),
            role = s.Role.ToString().ToLowerInvariant(),
            term = s.Term,
            leader = s.LeaderId is { } leader ? NodeName(leader) : null,
            leaderId = s.LeaderId,
            votedFor = s.VotedFor,
            commitIndex = s.CommitIndex,
            appliedIndex = s.LastApplied,
            lastIndex = s.LastLogIndex,
            lastTerm = s.LastLogTerm,
            leaseExpiresWallMs = lease,
            leaseRemainingMs = lease - wall,
            wallNowMs = wall,
            clockOffsetMs = host.Clock.OffsetMs,
            readMode = options.ReadMode.ToString().ToLowerInvariant(),
            fencing = options.Fencing,
        };
    }

    private static async Task<ClientResponse?> Wait(Task<ClientResponse> response)
    {
        try
        {
            return await response.WaitAsync(RequestTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static IResult Answer(ClientResponse? response)
    {
        if (response is null) return Results.Json(new { error = "timeout" }, statusCode: StatusCodes.Status504GatewayTimeout);
        if (response.Status == ResponseStatus.Completed)
        {
            var r = response.Result!;
            return Results.Json(new { ok = r.Ok, value = r.Value, token = r.Token, error = r.Error, index = response.Index });
        }
        var leader = response.LeaderHint is { } id ? NodeName(id) : null;
        var reason = response.Status == ResponseStatus.Superseded ? "superseded" : "not-leader";
        return Results.Json(new { error = "not-leader", leader, leaderId = response.LeaderHint, reason },
            statusCode: leader is null ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status409Conflict);
    }

    internal static IResult BadRequest(string error) => Results.Json(new { error }, statusCode: StatusCodes.Status400BadRequest);

    internal sealed record KeyRequest(string? Key);

    internal sealed record WriteRequest(string? Key, string? Value);

    internal sealed record CasRequest(string? Key, string? From, string? To);

    internal sealed record AcquireRequest(string? Client, long? LeaseMs);

    internal sealed record ReleaseRequest(string? Client, long? Token);

    internal sealed record FencedWriteRequest(long? Token, string? Key, string? Value);

    internal sealed record ClockRequest(long? OffsetMs);
}
