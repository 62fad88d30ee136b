using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ddia.Verify.Systems.Adapters.Common;

namespace Ddia.Verify.Systems.Adapters.Etcd;

/// <summary>How etcd answered one request, classified once for every client.</summary>
internal enum EtcdOutcome
{
    /// <summary>200: it took effect (or, for a txn, definitely did nothing); read <see cref="EtcdAnswer.Body"/>.</summary>
    Done,

    /// <summary>Definitely not done: a refused connection or connect timeout, no leader, too many requests, a rejected request.</summary>
    NotDone,

    /// <summary>Maybe done: a request timeout, a connection broken mid-request, an unexpected answer.</summary>
    Unknown,
}

internal sealed record EtcdAnswer(EtcdOutcome Outcome, JsonElement Body, string? Error);

/// <summary>
/// The one place where etcd's v3 JSON gateway is spelled out: paths, request bodies (keys and values are base64
/// of UTF-8), the fields read back (64-bit integers arrive as JSON strings) and what each kind of answer means.
/// </summary>
internal static class EtcdGateway
{
    public const string PutPath = "/v3/kv/put";
    public const string RangePath = "/v3/kv/range";
    public const string TxnPath = "/v3/kv/txn";
    public const string StatusPath = "/v3/maintenance/status";
    public const string LeaseGrantPath = "/v3/lease/grant";
    public const string LockPath = "/v3/lock/lock";
    public const string UnlockPath = "/v3/lock/unlock";

    /// <summary>The error of an answer whose request never reached the member.</summary>
    public const string ConnectionRefused = "connection-refused", ConnectTimeout = "connect-timeout";

    public static JsonObject Put(string key, string value) => new() { ["key"] = Encode(key), ["value"] = Encode(value) };

    public static JsonObject Range(string key, bool serializable)
    {
        var body = new JsonObject { ["key"] = Encode(key) };
        if (serializable) body["serializable"] = true;
        return body;
    }

    /// <summary>A lease that expires <paramref name="ttlSeconds"/> after it is granted unless kept alive (we never do).</summary>
    public static JsonObject LeaseGrant(int ttlSeconds) => new() { ["TTL"] = ttlSeconds };

    /// <summary>Acquires the lock <paramref name="name"/> for the lease <paramref name="lease"/> (an id as the gateway
    /// spells it: a decimal string); the answer names the key that holds it.</summary>
    public static JsonObject Lock(string name, string lease) => new() { ["name"] = Encode(name), ["lease"] = lease };

    /// <summary>Releases the lock held by <paramref name="key"/> (base64, as <see cref="LockKey"/> returned it).</summary>
    public static JsonObject Unlock(string key) => new() { ["key"] = key };

    /// <summary>The lease id a grant answer holds, or null.</summary>
    public static string? LeaseId(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("ID", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    /// <summary>The key (still base64) a lock answer says holds the lock, or null.</summary>
    public static string? LockKey(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;

    /// <summary>Puts <paramref name="to"/> if the key holds <paramref name="from"/>; a null <paramref name="from"/> means
    /// "absent", which etcd spells as version 0.</summary>
    public static JsonObject CompareAndPut(string key, string? from, string to)
    {
        var compare = from is null
            ? new JsonObject { ["key"] = Encode(key), ["target"] = "VERSION", ["result"] = "EQUAL", ["version"] = "0" }
            : new JsonObject { ["key"] = Encode(key), ["target"] = "VALUE", ["result"] = "EQUAL", ["value"] = Encode(from) };
        return new JsonObject
        {
            ["compare"] = new JsonArray(compare),
            ["success"] = new JsonArray(new JsonObject { ["request_put"] = Put(key, to) }),
        };
    }

    /// <summary>The value a range answer holds for its single key, or null when the key is absent.</summary>
    public static string? RangeValue(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("kvs", out var kvs) || kvs.ValueKind != JsonValueKind.Array
            || kvs.GetArrayLength() == 0)
            return null;
        // The gateway leaves out empty fields: a key with an empty value has no "value".
        return kvs[0].TryGetProperty("value", out var v) && v.GetString() is { } text ? Decode(text) : "";
    }

    /// <summary>Whether a txn's compare held (the gateway leaves out "succeeded" when it is false).</summary>
    public static bool Succeeded(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("succeeded", out var s) && s.ValueKind == JsonValueKind.True;

    /// <summary>Whether a status answer says this member leads: its leader id equals its own member id.</summary>
    public static bool IsLeader(JsonElement status) =>
        Leader(status) is { } leader && status.TryGetProperty("header", out var h) && h.TryGetProperty("member_id", out var id)
        && id.GetString() == leader;

    /// <summary>The leader a status answer names, or null when it knows none (absent or "0").</summary>
    public static string? Leader(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("leader", out var l) && l.ValueKind == JsonValueKind.String
        && l.GetString() is { } id && id != "0"
            ? id
            : null;

    /// <summary>POSTs <paramref name="body"/> once to the connection's member (etcd forwards proposals to its leader, so
    /// the client stays with its member), and moves the connection on when that member refused the connection.</summary>
    public static async Task<EtcdAnswer> PostAsync(ClusterConnection connection, string path, JsonObject body, CancellationToken cancellation)
    {
        var node = connection.Target;
        var answer = await PostAsync(connection.Http, connection.Url(node, path), body, cancellation).ConfigureAwait(false);
        if (answer.Error is ConnectionRefused or ConnectTimeout) connection.MoveOn(node);
        return answer;
    }

    /// <summary>POSTs <paramref name="body"/> once and classifies the answer; never throws for what the network or etcd
    /// does. Cancellation by the caller propagates (the harness records info).</summary>
    public static async Task<EtcdAnswer> PostAsync(HttpClient http, Uri url, JsonObject body, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            response = await http.PostAsync(url, content, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (NodeHttp.IsConnectFailure(e))
        {
            return new EtcdAnswer(EtcdOutcome.NotDone, default, ConnectionRefused);
        }
        catch (HttpRequestException e)
        {
            return new EtcdAnswer(EtcdOutcome.Unknown, default, e.Message);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The handler's connect timeout: the request was never sent.
            return new EtcdAnswer(EtcdOutcome.NotDone, default, ConnectTimeout);
        }

        using (response)
        {
            JsonElement json;
            try
            {
                var text = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
                // Deserialize (not Parse) to get an element that owns its memory: no document to dispose.
                json = JsonSerializer.Deserialize<JsonElement>(text);
            }
            catch (Exception e) when (e is JsonException or HttpRequestException)
            {
                // etcd may have applied it before the answer broke.
                return new EtcdAnswer(EtcdOutcome.Unknown, default, $"unreadable answer ({(int)response.StatusCode}): {e.Message}");
            }
            if (response.StatusCode == HttpStatusCode.OK) return new EtcdAnswer(EtcdOutcome.Done, json, null);
            var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e2) && e2.ValueKind == JsonValueKind.String
                ? e2.GetString() ?? "error"
                : $"http {(int)response.StatusCode}";
            return new EtcdAnswer(IsDefinite(response.StatusCode, error) ? EtcdOutcome.NotDone : EtcdOutcome.Unknown, json, error);
        }
    }

    /// <summary>Errors etcd gives before it proposes anything. Everything else (notably "request timed out", "leader
    /// changed") may have been committed.</summary>
    private static bool IsDefinite(HttpStatusCode status, string error) =>
        status == HttpStatusCode.BadRequest
        || error.Contains("no leader", StringComparison.Ordinal)
        || error.Contains("too many requests", StringComparison.Ordinal)
        || error.Contains("not capable", StringComparison.Ordinal);

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
