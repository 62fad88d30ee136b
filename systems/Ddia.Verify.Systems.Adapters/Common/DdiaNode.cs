using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Systems.Adapters.Common;

/// <summary>What every system of the reference node program shares: how to start ddia-node and ask its status.</summary>
internal static class DdiaNode
{
    /// <summary>The executable and first arguments: a <c>ddia-node.dll</c> runs under the dotnet host, anything else directly.</summary>
    public static (string Executable, List<string> Args) Command(string nodeProgram, string dotnetHost) =>
        nodeProgram.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? (dotnetHost, [nodeProgram]) : (nodeProgram, []);

    /// <summary>Appends what every system but Raft takes: <c>--system</c>, <c>--id</c>, <c>--listen-http</c>, <c>--data</c> and,
    /// when the nodes talk over their client endpoints, a <c>--peer-http ID=ADDR:PORT</c> for every other node.</summary>
    public static void AddNodeArgs(List<string> args, TestContext test, Node node, string system, int httpPort, string dataDir, bool peersOverHttp)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(test);
        args.AddRange(["--system", system, "--id", Str(Id(test, node)), "--listen-http", $"{node.Address}:{Str(httpPort)}", "--data", dataDir]);
        if (!peersOverHttp) return;
        foreach (var peer in test.Nodes.Where(n => n.Name != node.Name)) args.AddRange(["--peer-http", PeerHttp(test, peer, httpPort)]);
    }

    /// <summary>A peer's <c>ID=ADDR:PORT</c>.</summary>
    public static string PeerHttp(TestContext test, Node peer, int httpPort)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return $"{Str(Id(test, peer))}={peer.Address}:{Str(httpPort)}";
    }

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The node's <c>--id</c>: n1 → 1, or its place in the node list (from 1) for other names. Peers name each
    /// other by these ids, so every system computes them the same way.</summary>
    public static int Id(TestContext test, Node node)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(node);
        if (node.Name.Length > 1 && node.Name[0] == 'n'
            && int.TryParse(node.Name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            return id;
        var index = test.Nodes.IndexOf(node);
        return index >= 0 ? index + 1 : throw new ArgumentException($"{node.Name} is not a node of this test", nameof(node));
    }

    /// <summary>GET /admin/status; null for a non-success answer.</summary>
    public static async Task<JsonElement?> StatusAsync(HttpClient http, Node node, int port, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(NodeHttp.Url(node, port, "/admin/status"), cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return null;
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellation).ConfigureAwait(false);
    }
}
