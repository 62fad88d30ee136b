using System.Globalization;
using System.Net;
using Ddia.Verify.Systems.Raft;

namespace Ddia.Verify.Node;

/// <summary>
/// The command line: <c>ddia-node --system raft --id N --listen-http ADDR:PORT --listen-peer ADDR:PORT
/// --peer ID=ADDR:PORT ... [--peer-http ID=ADDR:PORT ...] --data DIR [--read-mode log|index|lease] [--fencing on|off] [--seed S]</c>.
/// </summary>
internal sealed record NodeOptions(
    string System, int Id, IPEndPoint ListenHttp, IPEndPoint? ListenPeer, IReadOnlyDictionary<int, IPEndPoint> Peers,
    string DataDir, ReadMode ReadMode, bool Fencing, int Seed)
{
    /// <summary>The peers' client (HTTP) endpoints, from <c>--peer-http ID=ADDR:PORT</c>: when given, a follower forwards
    /// client requests to the leader instead of refusing them, so clients may talk to any node.</summary>
    public IReadOnlyDictionary<int, IPEndPoint> PeerHttp { get; init; } = new Dictionary<int, IPEndPoint>();

    /// <summary><c>--system txn</c>: the store's isolation level (read-committed, snapshot, serializable, 2pl, serial).</summary>
    public string Isolation { get; init; } = "serializable";

    public const string Usage =
        "usage: ddia-node --system raft --id N --listen-http ADDR:PORT --listen-peer ADDR:PORT " +
        "--peer ID=ADDR:PORT ... [--peer-http ID=ADDR:PORT ...] --data DIR [--read-mode log|index|lease] [--fencing on|off] [--seed S]\n" +
        "       ddia-node --system txn --id N --listen-http ADDR:PORT --data DIR [--isolation read-committed|snapshot|serializable|2pl|serial]";

    /// <exception cref="FormatException">a missing, unknown or malformed option; the message says which.</exception>
    public static NodeOptions Parse(IReadOnlyList<string> args)
    {
        string? system = null, data = null;
        int? id = null, seed = null;
        IPEndPoint? http = null, peer = null;
        var peers = new Dictionary<int, IPEndPoint>();
        var peerHttp = new Dictionary<int, IPEndPoint>();
        var readMode = ReadMode.Log;
        var fencing = true;
        var isolation = "serializable";
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count) throw new FormatException($"option {name} needs a value");
            var value = args[++i];
            switch (name)
            {
                case "--system": system = value; break;
                case "--id": id = ParseInt(name, value); break;
                case "--listen-http": http = ParseEndPoint(name, value); break;
                case "--listen-peer": peer = ParseEndPoint(name, value); break;
                case "--data": data = value; break;
                case "--seed": seed = ParseInt(name, value); break;
                case "--peer":
                    AddPeer(peers, name, value);
                    break;
                case "--peer-http":
                    AddPeer(peerHttp, name, value);
                    break;
                case "--read-mode":
                    readMode = value switch
                    {
                        "log" => ReadMode.Log,
                        "index" => ReadMode.Index,
                        "lease" => ReadMode.Lease,
                        _ => throw new FormatException($"--read-mode must be log, index or lease, got '{value}'"),
                    };
                    break;
                case "--isolation":
                    isolation = Txn.TxnHttpApi.ParseIsolation(value) is null
                        ? throw new FormatException($"--isolation must be read-committed, snapshot, serializable, 2pl or serial, got '{value}'")
                        : value;
                    break;
                case "--fencing":
                    fencing = value switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new FormatException($"--fencing must be on or off, got '{value}'"),
                    };
                    break;
                default: throw new FormatException($"unknown option {name}");
            }
        }
        if (system is null) throw new FormatException("--system is required");
        if (system is not ("raft" or "txn")) throw new FormatException($"unknown system '{system}' (supported: raft, txn)");
        if (id is null) throw new FormatException("--id is required");
        if (http is null) throw new FormatException("--listen-http is required");
        if (peer is null && system == "raft") throw new FormatException("--listen-peer is required");
        if (data is null) throw new FormatException("--data is required");
        if (peers.ContainsKey(id.Value)) throw new FormatException($"--peer must not name this node ({id})");
        foreach (var other in peerHttp.Keys)
        {
            if (!peers.ContainsKey(other)) throw new FormatException($"--peer-http names node {other}, which is not a --peer");
        }
        return new NodeOptions(system, id.Value, http, peer, peers, data, readMode, fencing,
            seed ?? HashCode.Combine(id.Value, Environment.TickCount64)) { PeerHttp = peerHttp, Isolation = isolation };
    }

    private static void AddPeer(Dictionary<int, IPEndPoint> peers, string option, string value)
    {
        var eq = value.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new FormatException($"{option} expects ID=ADDR:PORT, got '{value}'");
        var peerId = ParseInt(option, value[..eq]);
        if (!peers.TryAdd(peerId, ParseEndPoint(option, value[(eq + 1)..])))
            throw new FormatException($"{option}: peer {peerId} given twice");
    }

    private static int ParseInt(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"{option}: '{value}' is not an integer");

    /// <summary>ADDR:PORT where ADDR is an IP address (IPv6 in brackets) or <c>localhost</c>.</summary>
    private static IPEndPoint ParseEndPoint(string option, string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0) throw new FormatException($"{option}: '{value}' is not ADDR:PORT");
        var host = value[..colon].Trim('[', ']');
        var port = ParseInt(option, value[(colon + 1)..]);
        if (port is < 0 or > 65535) throw new FormatException($"{option}: port {port} is out of range");
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return new IPEndPoint(IPAddress.Loopback, port);
        return IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port)
            : throw new FormatException($"{option}: '{host}' is not an IP address");
    }
}
