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

await using var host = new RaftHost(options);
var app = HttpApi.Build(options, host);
host.Start();
await app.RunAsync().ConfigureAwait(false);
return 0;
