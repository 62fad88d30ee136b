using System.Globalization;
using System.Net;
using Ddia.Verify.Systems.Raft;

namespace Ddia.Verify.Node;

/// <summary>
/// The command line: <c>ddia-node --system raft --id N --listen-http ADDR:PORT --listen-peer ADDR:PORT
/// --peer ID=ADDR:PORT ... [--peer-http ID=ADDR:PORT ...] --data DIR [--read-mode log|index|lease] [--fencing on|off] [--seed S]</c>,
/// and the txn and 2pc forms in <see cref="Usage"/>.
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

    /// <summary><c>--system 2pc</c>: <c>--unsafe-heuristic</c>, DDIA's heuristic decisions (see TwoPc.Participant).</summary>
    public bool UnsafeHeuristic { get; init; }

    /// <summary><c>--system 2pc</c> with <see cref="UnsafeHeuristic"/>: how long a participant stays prepared before it
    /// rolls back on its own.</summary>
    public int HeuristicTimeoutMs { get; init; } = 300;   // short, as careless configurations have it: phase 2 normally takes milliseconds

    /// <summary>Hidden, for process tests: <c>--test-crash after-decision|after-first-prepare</c> arms that crash point
    /// from the start (as <c>POST /admin/crash-point</c> does later): the 2pc coordinator kills itself (SIGKILL) there in
    /// its next commit of two or more participants.</summary>
    public string? TestCrash { get; init; }

    public const string Usage =
        "usage: ddia-node --system raft --id N --listen-http ADDR:PORT --listen-peer ADDR:PORT " +
        "--peer ID=ADDR:PORT ... [--peer-http ID=ADDR:PORT ...] --data DIR [--read-mode log|index|lease] [--fencing on|off] [--seed S]\n" +
        "       ddia-node --system txn --id N --listen-http ADDR:PORT --data DIR [--isolation read-committed|snapshot|serializable|2pl|serial]\n" +
        "       ddia-node --system 2pc --id N --listen-http ADDR:PORT --data DIR --peer-http ID=ADDR:PORT ... " +
        "[--isolation 2pl|read-committed|serial] [--unsafe-heuristic] [--heuristic-timeout-ms MS]";

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
        string? isolation = null, testCrash = null;
        var unsafeHeuristic = false;
        var heuristicTimeoutMs = 300;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--unsafe-heuristic")
            {
                unsafeHeuristic = true;   // a flag: takes no value
                continue;
            }
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
                case "--heuristic-timeout-ms":
                    heuristicTimeoutMs = ParseInt(name, value);
                    if (heuristicTimeoutMs <= 0) throw new FormatException("--heuristic-timeout-ms must be positive");
                    break;
                case "--test-crash":
                    testCrash = value is "after-decision" or "after-first-prepare"
                        ? value
                        : throw new FormatException($"--test-crash must be after-decision or after-first-prepare, got '{value}'");
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
        if (system is not ("raft" or "txn" or "2pc")) throw new FormatException($"unknown system '{system}' (supported: raft, txn, 2pc)");
        if (id is null) throw new FormatException("--id is required");
        if (http is null) throw new FormatException("--listen-http is required");
        if (peer is null && system == "raft") throw new FormatException("--listen-peer is required");
        if (data is null) throw new FormatException("--data is required");
        if (peers.ContainsKey(id.Value)) throw new FormatException($"--peer must not name this node ({id})");
        if (system == "2pc")
        {
            // The peers' client endpoints are their only addresses: participants and coordinators talk over HTTP.
            if (peerHttp.ContainsKey(id.Value)) throw new FormatException($"--peer-http must not name this node ({id})");
            isolation ??= "2pl";
            if (isolation is not ("2pl" or "read-committed" or "serial"))
                throw new FormatException($"--system 2pc needs a lock-based --isolation (2pl, read-committed or serial), got '{isolation}'");
        }
        else
        {
            foreach (var other in peerHttp.Keys)
            {
                if (!peers.ContainsKey(other)) throw new FormatException($"--peer-http names node {other}, which is not a --peer");
            }
        }
        return new NodeOptions(system, id.Value, http, peer, peers, data, readMode, fencing,
            seed ?? HashCode.Combine(id.Value, Environment.TickCount64))
        {
            PeerHttp = peerHttp,
            Isolation = isolation ?? "serializable",
            UnsafeHeuristic = unsafeHeuristic,
            HeuristicTimeoutMs = heuristicTimeoutMs,
            TestCrash = testCrash,
        };
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
