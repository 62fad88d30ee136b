using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Ddia.Verify.Node.Tests;

/// <summary>Small helpers for the client API's answers (HttpApi's contract: 200 {ok,value,token,error,index}).</summary>
internal static class Api
{
    public static string Name(int id) => "n" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>A key no other test uses, so tests may share a cluster.</summary>
    public static string UniqueKey(string name) => name + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Posts and insists on 200; the message carries the answer and the nodes' output.</summary>
    public static async Task<JsonElement> Applied(this NodeProcesses cluster, int id, string path, object body)
    {
        var (code, answer) = await cluster.Post(id, path, body).ConfigureAwait(false);
        Assert.True(code == HttpStatusCode.OK, $"{path} on {Name(id)}: {code} {answer.GetRawText()}\n{cluster.Logs()}");
        return answer;
    }

    public static bool Ok(this JsonElement answer) => answer.GetProperty("ok").GetBoolean();

    public static string? Value(this JsonElement answer) => answer.GetProperty("value").GetString();

    public static long Index(this JsonElement answer) => answer.GetProperty("index").GetInt64();

    public static async Task<string?> ReadValue(this NodeCluster cluster, int id, string key)
    {
        var answer = await cluster.Applied(id, "/kv/read", new { key }).ConfigureAwait(false);
        Assert.True(answer.Ok(), answer.GetRawText());
        return answer.Value();
    }

    /// <summary>Polls <paramref name="done"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> Eventually(Func<Task<bool>> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await done().ConfigureAwait(false)) return true;
            await Task.Delay(50).ConfigureAwait(false);
        }
        return await done().ConfigureAwait(false);
    }
}
