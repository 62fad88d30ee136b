using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Ddia.Verify.Harness.Serve;

namespace Ddia.Verify.Harness.Cli;

/// <summary>
/// <c>ddia-verify serve</c>: browse the store over HTTP on 127.0.0.1 (<see cref="StoreServer"/>), like Jepsen's
/// <c>lein run serve</c>. Prints the URL and serves until Ctrl-C or SIGTERM; exit 0.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter stdout)
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => 8080 };
        var store = new Option<string>("--store") { Description = "The store to browse", DefaultValueFactory = _ => "store" };
        var command = new Command("serve", "Browse the store in a web browser: every run newest first, its report, its files, a zip of it. Listens on 127.0.0.1 only; Ctrl-C stops it.")
        {
            port, store,
        };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(store)!;
            if (!Directory.Exists(root)) throw new UsageException($"--store: no directory '{root}' (runs create it)");
            var p = parse.GetValue(port);
            if (p is < 0 or > 65535) throw new UsageException($"--port: {p} is not a port (0 to 65535)");

            using var stop = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;   // stop serving and return, rather than die mid-response
                stop.Cancel();
            }

            StoreServer server;
            try
            {
                server = StoreServer.StartAsync(root, p, stop.Token).GetAwaiter().GetResult();
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"--port {p}: cannot listen on 127.0.0.1:{p}: {e.Message}");
            }
            try
            {
                stdout.WriteLine($"serving {server.StoreRoot} at {server.Address} (Ctrl-C to stop)");
                stdout.Flush();
                stop.Token.WaitHandle.WaitOne();
                stdout.WriteLine("stopped");
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return 0;
        });
        return command;
    }
}
