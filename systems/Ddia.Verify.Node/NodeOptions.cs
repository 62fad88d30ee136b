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

    /// <summary><c>--system leader</c>: when the leader acknowledges a write: sync (every follower has it durably),
    /// semi-sync (at least one follower has), async (its own log has).</summary>
    public string Replication { get; init; } = "sync";

    /// <summary><c>--system leader</c>: who serves reads: leader (only the leader) or any (every node, from its own copy).</summary>
    public string Reads { get; init; } = "leader";

    /// <summary><c>--system leader</c>: off (the first leader leads forever) or naive (followers that stop hearing the
    /// leader elect the reachable node with the longest log, and nothing fences the old leader).</summary>
    public string Failover { get; init; } = "off";

    /// <summary><c>--system leader</c> with naive failover: how long followers wait without hearing the leader.</summary>
    public int FailoverTimeoutMs { get; init; } = 1000;

    /// <summary><c>--system leader</c>: the first leader's id; null: the lowest id of the cluster.</summary>
    public int? InitialLeader { get; init; }

    /// <summary><c>--system multi-leader|leaderless</c>: lww (last write wins by the writer's wall clock) or
    /// version-vectors (concurrent writes are kept as siblings).</summary>
    public string Conflicts { get; init; } = "version-vectors";

    /// <summary><c>--system leaderless</c>: replicas per key (null: every node), write and read quorums (null: a majority of N).</summary>
    public int? N { get; init; }

    public int? W { get; init; }

    public int? R { get; init; }

    /// <summary><c>--system leaderless</c>: writes that cannot reach W of their N home replicas go to other nodes with a
    /// hint, handed off when the home replica is back (DDIA §5.4 "sloppy quorums").</summary>
    public bool SloppyQuorum { get; init; }

    /// <summary><c>--system leaderless</c>: a read that sees stale replicas writes the newest versions back to them.</summary>
    public bool ReadRepair { get; init; } = true;

    /// <summary>Every node of the cluster: this one and the <see cref="PeerHttp"/> ones, ascending.</summary>
    public IReadOnlyList<int> ClusterIds => [.. PeerHttp.Keys.Append(Id).Order()];

    /// <summary>The systems whose nodes talk to each other over their HTTP endpoints only (<see cref="PeerHttp"/>).</summary>
    public static readonly IReadOnlySet<string> HttpPeerSystems = new HashSet<string>(StringComparer.Ordinal) { "2pc", "leader", "multi-leader", "leaderless" };

    public const string Usage =
        "usage: ddia-node --system raft --id N --listen-http ADDR:PORT --listen-peer ADDR:PORT " +
        "--peer ID=ADDR:PORT ... [--peer-http ID=ADDR:PORT ...] --data DIR [--read-mode log|index|lease] [--fencing on|off] [--seed S]\n" +
        "       ddia-node --system txn --id N --listen-http ADDR:PORT --data DIR [--isolation read-committed|snapshot|serializable|2pl|serial]\n" +
        "       ddia-node --system 2pc --id N --listen-http ADDR:PORT --data DIR --peer-http ID=ADDR:PORT ... " +
        "[--isolation 2pl|read-committed|serial] [--unsafe-heuristic] [--heuristic-timeout-ms MS]\n" +
        "       ddia-node --system leader --id N --listen-http ADDR:PORT --data DIR --peer-http ID=ADDR:PORT ... " +
        "[--replication sync|semi-sync|async] [--reads leader|any] [--failover off|naive] [--failover-timeout-ms MS] [--leader ID]\n" +
        "       ddia-node --system multi-leader --id N --listen-http ADDR:PORT --data DIR --peer-http ID=ADDR:PORT ... [--conflicts lww|version-vectors]\n" +
        "       ddia-node --system leaderless --id N --listen-http ADDR:PORT --data DIR --peer-http ID=ADDR:PORT ... " +
        "[--n N --w W --r R] [--sloppy-quorum] [--read-repair on|off] [--conflicts lww|version-vectors]";

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
        string replication = "sync", reads = "leader", failover = "off", conflicts = "version-vectors";
        var failoverTimeoutMs = 1000;
        int? initialLeader = null, n = null, w = null, r = null;
        bool sloppyQuorum = false, readRepair = true;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--unsafe-heuristic" or "--sloppy-quorum")
            {
                // Flags: they take no value.
                if (name == "--unsafe-heuristic") unsafeHeuristic = true;
                else sloppyQuorum = true;
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
                case "--replication": replication = OneOf(name, value, "sync", "semi-sync", "async"); break;
                case "--reads": reads = OneOf(name, value, "leader", "any"); break;
                case "--failover": failover = OneOf(name, value, "off", "naive"); break;
                case "--conflicts": conflicts = OneOf(name, value, "lww", "version-vectors"); break;
                case "--read-repair": readRepair = OneOf(name, value, "on", "off") == "on"; break;
                case "--failover-timeout-ms": failoverTimeoutMs = Positive(name, value); break;
                case "--leader": initialLeader = ParseInt(name, value); break;
                case "--n": n = Positive(name, value); break;
                case "--w": w = Positive(name, value); break;
                case "--r": r = Positive(name, value); break;
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
        if (system is not ("raft" or "txn" or "2pc" or "leader" or "multi-leader" or "leaderless"))
            throw new FormatException($"unknown system '{system}' (supported: raft, txn, 2pc, leader, multi-leader, leaderless)");
        if (id is null) throw new FormatException("--id is required");
        if (http is null) throw new FormatException("--listen-http is required");
        if (peer is null && system == "raft") throw new FormatException("--listen-peer is required");
        if (data is null) throw new FormatException("--data is required");
        if (peers.ContainsKey(id.Value)) throw new FormatException($"--peer must not name this node ({id})");
        if (HttpPeerSystems.Contains(system) && peerHttp.ContainsKey(id.Value))
        {
            // The peers' client endpoints are their only addresses: these systems' nodes talk over HTTP.
            throw new FormatException($"--peer-http must not name this node ({id})");
        }
        var clusterSize = peerHttp.Count + 1;
        if (system == "leader" && initialLeader is { } first && first != id && !peerHttp.ContainsKey(first))
            throw new FormatException($"--leader {first} is neither this node nor a --peer-http");
        if (system == "leaderless")
        {
            if (n > clusterSize) throw new FormatException($"--n {n} is more than the {clusterSize} nodes of the cluster");
            var replicas = n ?? clusterSize;
            if (w > replicas || r > replicas) throw new FormatException($"--w and --r must be at most n ({replicas})");
        }
        if (system == "2pc")
        {
            isolation ??= "2pl";
            if (isolation is not ("2pl" or "read-committed" or "serial"))
                throw new FormatException($"--system 2pc needs a lock-based --isolation (2pl, read-committed or serial), got '{isolation}'");
        }
        else if (!HttpPeerSystems.Contains(system))
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
            Replication = replication,
            Reads = reads,
            Failover = failover,
            FailoverTimeoutMs = failoverTimeoutMs,
            InitialLeader = initialLeader,
            Conflicts = conflicts,
            N = n,
            W = w,
            R = r,
            SloppyQuorum = sloppyQuorum,
            ReadRepair = readRepair,
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

    private static string OneOf(string option, string value, params string[] allowed) =>
        allowed.Contains(value) ? value : throw new FormatException($"{option} must be {string.Join(", ", allowed[..^1])} or {allowed[^1]}, got '{value}'");

    private static int Positive(string option, string value) =>
        ParseInt(option, value) is > 0 and var v ? v : throw new FormatException($"{option} must be positive, got '{value}'");

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
