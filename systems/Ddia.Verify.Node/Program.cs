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

await using var host = new RaftHost(options);
var app = HttpApi.Build(options, host);
host.Start();
await app.RunAsync().ConfigureAwait(false);
return 0;
