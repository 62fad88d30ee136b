using System.Collections.Concurrent;
using System.Collections.Immutable;
using Ddia.Verify.Abstractions;
using Ddia.Verify.History;

namespace Ddia.Verify.Nemesis.Tests;

internal static class Cluster
{
    public static ImmutableArray<Node> Nodes(int n) =>
        [.. Enumerable.Range(1, n).Select(i => new Node($"n{i}", $"10.77.0.{i + 1}"))];

    public static TestContext Context(int n, ulong seed = 1, IRemote? remote = null) =>
        new("nemesis-test", Nodes(n), seed, TimeProvider.System) { Remote = remote ?? NoRemote.Instance };

    public static Op Invoke(string f, Value? value = null) => new(0, 0, OpType.Invoke, Op.NemesisProcess, f, value ?? Value.Nil);

    public static Value Map(params (string Key, Value Value)[] entries) =>
        Value.Map([.. entries.Select(e => KeyValuePair.Create(Value.Of(e.Key), e.Value))]);

    public static IEnumerable<string> Names(Value list) => list.Items.Select(v => v.AsText!);
}

/// <summary>
/// A stand-in for a node's iptables, for unit tests only: it records every argv and keeps each node's
/// INPUT chain as the lines <c>iptables -S INPUT</c> would print, so that we can assert which rules the
/// nemeses build and that healing deletes exactly ours. Real runs use the environments' IRemote.
/// </summary>
internal sealed class FakeFirewallRemote(RemoteCapabilities capabilities = RemoteCapabilities.Exec | RemoteCapabilities.Firewall | RemoteCapabilities.Signals) : IRemote
{
    private readonly Lock gate = new();

    public RemoteCapabilities Capabilities { get; } = capabilities;

    public ConcurrentQueue<(string Node, IReadOnlyList<string> Argv)> Commands { get; } = new();

    public Dictionary<string, List<string>> Chains { get; } = [];

    /// <summary>Nodes whose commands fail, as an unreachable node would.</summary>
    public HashSet<string> Broken { get; } = [];

    public List<string> Chain(string node)
    {
        lock (gate)
        {
            if (!Chains.TryGetValue(node, out var chain)) Chains[node] = chain = [];
            return chain;
        }
    }

    public ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        Commands.Enqueue((node.Name, command));
        if (Broken.Contains(node.Name)) return ValueTask.FromResult(new ExecResult(255, "", "no route to node"));
        Assert.Equal("iptables", command[0]);
        Assert.Equal("-w", command[1]);
        lock (gate)
        {
            var chain = Chain(node.Name);
            switch (command[2])
            {
                case "-S":
                    return ValueTask.FromResult(new ExecResult(0, string.Join('\n', ["-P INPUT ACCEPT", .. chain]) + "\n", ""));
                case "-A":
                    chain.Add(Line(command.Skip(3)));
                    return ValueTask.FromResult(new ExecResult(0, "", ""));
                case "-D":
                    var line = Line(command.Skip(3));
                    return ValueTask.FromResult(chain.Remove(line)
                        ? new ExecResult(0, "", "")
                        : new ExecResult(1, "", "iptables: Bad rule (does a matching rule exist in that chain?)."));
                default:
                    throw new InvalidOperationException($"unexpected iptables command {string.Join(' ', command)}");
            }
        }
    }

    /// <summary>As iptables prints a rule: "-A INPUT …", the source as a /32, arguments with spaces quoted.</summary>
    public static string Line(IEnumerable<string> ruleAfterVerb)
    {
        var args = ruleAfterVerb.ToList();
        var s = args.IndexOf("-s");
        if (s >= 0 && !args[s + 1].Contains('/', StringComparison.Ordinal)) args[s + 1] += "/32";
        return "-A " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
    }

    public ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation) => throw new NotSupportedException();
    public ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation) => throw new NotSupportedException();
    public ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation) => throw new NotSupportedException();
    public ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation) => throw new NotSupportedException();
    public string NodeDirectory(Node node) => "/tmp";
}

/// <summary>A system with every capability that records what the nemeses asked of it.</summary>
internal sealed class FakeDb : IDb, IKillable, IPausable, IPrimaryAware
{
    public ConcurrentQueue<string> Calls { get; } = new();
    public IReadOnlyList<Node> Primaries { get; set; } = [];
    public HashSet<string> Failing { get; } = [];

    public ValueTask SetupAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.CompletedTask;
    public ValueTask TeardownAsync(TestContext test, Node node, CancellationToken cancellation) => ValueTask.CompletedTask;
    public ValueTask KillAsync(TestContext test, Node node, CancellationToken cancellation) => Record("kill", node);
    public ValueTask StartAsync(TestContext test, Node node, CancellationToken cancellation) => Record("start", node);
    public ValueTask PauseAsync(TestContext test, Node node, CancellationToken cancellation) => Record("pause", node);
    public ValueTask ResumeAsync(TestContext test, Node node, CancellationToken cancellation) => Record("resume", node);
    public ValueTask<IReadOnlyList<Node>> PrimariesAsync(TestContext test, CancellationToken cancellation) => ValueTask.FromResult(Primaries);

    private ValueTask Record(string what, Node node)
    {
        if (Failing.Contains(node.Name)) throw new InvalidOperationException($"{what} failed on {node.Name}");
        Calls.Enqueue($"{what} {node.Name}");
        return ValueTask.CompletedTask;
    }
}
