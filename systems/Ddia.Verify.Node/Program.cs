using Ddia.Verify.Node;

NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync($"ddia-node: {e.Message}\n{NodeOptions.Usage}").ConfigureAwait(false);
    return 2;
}

if (options.System == "txn")
{
    // A single-node transactional store (DDIA ch. 7): its data directory holds the write-ahead log it recovers from.
    using var store = new Ddia.Verify.Node.Txn.TxnHost(options.DataDir, Ddia.Verify.Node.Txn.TxnHttpApi.ParseIsolation(options.Isolation)!.Value);
    await Ddia.Verify.Node.Txn.TxnHttpApi.Build(options, store).RunAsync().ConfigureAwait(false);
    return 0;
}

if (options.System == "2pc")
{
    // Two-phase commit over hash partitions (DDIA ch. 9): each node a participant and a coordinator; DIR/store is its
    // partition's log, DIR/coordinator.log its commit decisions.
    using var node = new Ddia.Verify.Node.TwoPc.TwoPcNode(options);
    await Ddia.Verify.Node.TwoPc.TwoPcHttpApi.Build(options, node).RunAsync().ConfigureAwait(false);
    return 0;
}

// Replication (DDIA ch. 5): nodes talk over their HTTP endpoints; each system's app runs until the process stops.
switch (options.System)
{
    case "leader": return await Ddia.Verify.Node.Leader.LeaderApp.RunAsync(options).ConfigureAwait(false);
    case "multi-leader": return await Ddia.Verify.Node.MultiLeader.MultiLeaderApp.RunAsync(options).ConfigureAwait(false);
    case "leaderless": return await Ddia.Verify.Node.Leaderless.LeaderlessApp.RunAsync(options).ConfigureAwait(false);
}

await using var host = new RaftHost(options);
var app = HttpApi.Build(options, host);
host.Start();
await app.RunAsync().ConfigureAwait(false);
return 0;
