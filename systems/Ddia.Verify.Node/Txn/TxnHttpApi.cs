using System.Text.Json;
using Ddia.Verify.Systems.Txn;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ddia.Verify.Node.Txn;

/// <summary>
/// The client API of <c>--system txn</c> (HTTP/JSON). Transactions run interactively, one request per
/// step, so that clients interleave as real database sessions do, or whole in one request:
/// <list type="bullet">
/// <item>POST /txn/begin → <c>{"txn": id}</c>; then POST /txn/{id}/read <c>{key, forUpdate?}</c> → <c>{"value": [..] | null}</c>,
/// /txn/{id}/write <c>{key, value}</c> (a number, a list of numbers, or null to delete), /txn/{id}/append
/// <c>{key, element}</c>, /txn/{id}/commit → <c>{"committed": true}</c> (durable: fsynced), /txn/{id}/abort.</item>
/// <item>POST /txn <c>{"ops": [["r", k, null], ["append", k, 3], ["w", k, 5]]}</c> → <c>{"committed": true,
/// "results": [...]}</c>, each read's list (or null) in the place of its micro-op.</item>
/// <item>409 <c>{"error": "aborted", "reason": "write-conflict"}</c>: the store aborted the transaction (write-conflict,
/// deadlock, serialization-failure, lock-timeout), or it is unknown here (ended, idle too long, or begun before a
/// restart: unknown-transaction). Nothing of it took effect.</item>
/// <item>500 <c>{"error": "unknown"}</c>: the commit's log write failed; whether it is durable is unknown.</item>
/// <item>400 <c>{"error": ...}</c> naming the malformed field.</item>
/// </list>
/// GET /admin/status → <c>{"system": "txn", "isolation", "openTransactions", "recovered"}</c>.
/// The parsing and answer helpers are shared with <c>--system 2pc</c> (TwoPc.TwoPcHttpApi), whose client API is the same.
/// </summary>
internal static class TxnHttpApi
{
    public static WebApplication Build(NodeOptions options, TxnHost host)
    {
        var app = HttpApi.NewApp(options);
        app.MapPost("/txn/begin", () => Results.Json(new { txn = host.Begin() }));
        app.MapPost("/txn/{id:long}/read", (long id, JsonElement body) => !TryKey(body, "key", out var key)
            ? Task.FromResult(HttpApi.BadRequest("key (a string or a number) is required"))
            : Step(host, id, async t => Results.Json(new
            {
                value = ForUpdate(body) ? await t.ReadForUpdateAsync(key).ConfigureAwait(false) : await t.ReadAsync(key).ConfigureAwait(false),
            })));
        app.MapPost("/txn/{id:long}/write", (long id, JsonElement body) =>
        {
            if (!TryKey(body, "key", out var key) || !body.TryGetProperty("value", out var value) || !TryList(value, out var list))
                return Task.FromResult(HttpApi.BadRequest("key and value (a number, a list of numbers, or null) are required"));
            return Step(host, id, async t =>
            {
                await t.WriteAsync(key, list).ConfigureAwait(false);
                return Results.Json(new { ok = true });
            });
        });
        app.MapPost("/txn/{id:long}/append", (long id, JsonElement body) =>
        {
            if (!TryKey(body, "key", out var key) || !body.TryGetProperty("element", out var e) || !TryLong(e, out var element))
                return Task.FromResult(HttpApi.BadRequest("key and element (an integer) are required"));
            return Step(host, id, async t =>
            {
                await t.AppendAsync(key, element).ConfigureAwait(false);
                return Results.Json(new { ok = true });
            });
        });
        app.MapPost("/txn/{id:long}/commit", (long id) => Step(host, id, async t =>
        {
            await t.CommitAsync().ConfigureAwait(false);
            host.End(id);
            return Results.Json(new { committed = true });
        }));
        app.MapPost("/txn/{id:long}/abort", (long id) =>
        {
            host.End(id);
            return Results.Json(new { aborted = true });
        });
        app.MapPost("/txn", async (JsonElement body) =>
        {
            if (ParseOps(body) is not { } ops) return HttpApi.BadRequest("ops must be a list of [f, key, value] with f r, append or w");
            try
            {
                var outcome = await host.Store.ExecuteAsync(ops).ConfigureAwait(false);
                return outcome.Committed ? Results.Json(new { committed = true, results = outcome.Results }) : Aborted(outcome.Reason?.ToString());
            }
            catch (IOException e)
            {
                return Unknown(e);
            }
        });
        app.MapGet("/admin/status", () => Results.Json(new
        {
            system = options.System,
            id = options.Id,
            node = HttpApi.NodeName(options.Id),
            role = "primary",
            isolation = IsolationName(host.Isolation),
            openTransactions = host.OpenCount,
            recovered = host.Store.Recovery,
        }));
        return app;
    }

    public static string IsolationName(Isolation isolation) => isolation switch
    {
        Isolation.ReadCommitted => "read-committed",
        Isolation.Snapshot => "snapshot",
        Isolation.Serializable => "serializable",
        Isolation.TwoPhaseLocking => "2pl",
        _ => "serial",
    };

    public static Isolation? ParseIsolation(string name) => name switch
    {
        "read-committed" => Isolation.ReadCommitted,
        "snapshot" => Isolation.Snapshot,
        "serializable" => Isolation.Serializable,
        "2pl" => Isolation.TwoPhaseLocking,
        "serial" => Isolation.Serial,
        _ => null,
    };

    /// <summary>One step of an interactive transaction; an abort by the store ends it here too.</summary>
    private static async Task<IResult> Step(TxnHost host, long id, Func<Transaction, Task<IResult>> step)
    {
        if (host.Find(id) is not { } t) return Aborted("unknown-transaction");
        try
        {
            return await step(t).ConfigureAwait(false);
        }
        catch (TransactionAbortedException e)
        {
            host.End(id);
            return Aborted(e.Reason.ToString());
        }
        catch (IOException e)
        {
            host.End(id);
            return Unknown(e);
        }
    }

    internal static IResult Aborted(string? reason) =>
        Results.Json(new { error = "aborted", reason = Kebab(reason ?? "unknown") }, statusCode: StatusCodes.Status409Conflict);

    internal static IResult Unknown(IOException e) =>
        Results.Json(new { error = "unknown", detail = e.Message }, statusCode: StatusCodes.Status500InternalServerError);

    /// <summary>WriteConflict → write-conflict.</summary>
    internal static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    internal static List<TxnOp>? ParseOps(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("ops", out var ops) || ops.ValueKind != JsonValueKind.Array) return null;
        var result = new List<TxnOp>();
        foreach (var mop in ops.EnumerateArray())
        {
            if (mop.ValueKind != JsonValueKind.Array || mop.GetArrayLength() != 3) return null;
            var f = mop[0].ValueKind == JsonValueKind.String ? mop[0].GetString() : null;
            if (!TryKeyText(mop[1], out var key)) return null;
            switch (f)
            {
                case "r": result.Add(TxnOp.Read(key)); break;
                case "append" when TryLong(mop[2], out var element): result.Add(TxnOp.Append(key, element)); break;
                case "w" when TryList(mop[2], out var list): result.Add(TxnOp.Write(key, list)); break;
                default: return null;
            }
        }
        return result;
    }

    internal static bool TryKey(JsonElement body, string name, out string key)
    {
        key = "";
        return body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var k) && TryKeyText(k, out key);
    }

    /// <summary>A read's optional <c>"forUpdate": true</c> (take the key's write lock, as SELECT … FOR UPDATE).</summary>
    internal static bool ForUpdate(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("forUpdate", out var f) && f.ValueKind == JsonValueKind.True;

    /// <summary>An integer, without throwing for other kinds of JSON.</summary>
    internal static bool TryLong(JsonElement v, out long n)
    {
        n = 0;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out n);
    }

    /// <summary>A key is a string, or a number taken as its text (workloads use integer keys).</summary>
    internal static bool TryKeyText(JsonElement k, out string key)
    {
        key = k.ValueKind switch
        {
            JsonValueKind.String => k.GetString()!,
            JsonValueKind.Number => k.GetRawText(),
            _ => "",
        };
        return k.ValueKind is JsonValueKind.String or JsonValueKind.Number;
    }

    /// <summary>A register value (a number: a one-element list), a list of numbers, or null (delete).</summary>
    internal static bool TryList(JsonElement v, out IReadOnlyList<long>? list)
    {
        list = null;
        switch (v.ValueKind)
        {
            case JsonValueKind.Null: return true;
            case JsonValueKind.Number when TryLong(v, out var n): list = [n]; return true;
            case JsonValueKind.Array:
                var items = new List<long>();
                foreach (var x in v.EnumerateArray())
                {
                    if (!TryLong(x, out var e)) return false;
                    items.Add(e);
                }
                list = items;
                return true;
            default: return false;
        }
    }
}
