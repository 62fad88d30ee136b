using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;
using Ddia.Verify.Environments.Ssh;

namespace Ddia.Verify.Testing;

/// <summary>
/// SSH hosts on this machine, for tests of <c>--env ssh</c>: a local (network namespace) session whose every node runs
/// its own sshd (own config, host key, pid file and ListenAddress; Debian's openssh-server), a fresh client key, a
/// known_hosts that lists the hosts (odd nodes plain, even nodes hashed by ssh-keygen -H) and a nodes file. Needs root.
/// Dispose removes all of it: the sshds and whatever runs in the namespaces go with the local session.
/// Shared by the environment tests and the end-to-end tests (linked from eng/testing).
/// </summary>
public sealed class SshRig : IAsyncDisposable
{
    /// <summary>sshd's port on every host: not 22, so known_hosts uses the [host]:port form.</summary>
    public const int Port = 2222;

    private const string Sshd = "/usr/sbin/sshd";
    private static readonly TimeSpan ListenWait = TimeSpan.FromSeconds(30);

    private SshRig(LocalSession local, string directory)
    {
        Local = local;
        Directory = directory;
    }

    /// <summary>The namespaces the sshds run in; its nodes' addresses are the SSH hosts.</summary>
    public LocalSession Local { get; }

    /// <summary>Temporary directory holding keys, configs, known_hosts and the nodes file.</summary>
    public string Directory { get; }

    /// <summary>One line per host: <c>address 2222 root clientkey</c>.</summary>
    public string NodesFile => Path.Combine(Directory, "nodes.txt");

    /// <summary>The hosts' keys: odd nodes as plain [address]:2222 entries, even nodes hashed.</summary>
    public string KnownHostsFile => Path.Combine(Directory, "known_hosts");

    /// <summary>The private key (ed25519, no passphrase) every sshd accepts for root.</summary>
    public string ClientKey => Path.Combine(Directory, "client_key");

    /// <summary>The SSH hosts' addresses (node i's namespace address), in nodes-file order.</summary>
    public IReadOnlyList<string> Hosts => [.. Local.Nodes.Select(n => n.Address)];

    /// <summary>Options for an <see cref="SshEnvironment"/> over these hosts, with strict host key checking.</summary>
    public SshEnvironmentOptions Options => new() { NodesFile = NodesFile, KnownHostsFile = KnownHostsFile };

    /// <summary>The public host key (<c>ssh-ed25519 AAAA…</c>) of host <paramref name="index"/> (0-based).</summary>
    public string HostKey(int index) => PublicKey(HostKeyPath(index));

    /// <summary>Starts <paramref name="nodeCount"/> sshd hosts and waits until each accepts TCP connections.</summary>
    public static async Task<SshRig> StartAsync(int nodeCount, CancellationToken cancellation = default)
    {
        if (!File.Exists(Sshd))
            throw new InvalidOperationException($"{Sshd} is missing: apt-get install -y openssh-server");
        var local = (LocalSession)await new LocalEnvironment().OpenAsync("ssh-rig", nodeCount, cancellation).ConfigureAwait(false);
        var rig = new SshRig(local, System.IO.Directory.CreateTempSubdirectory("ddia-ssh-rig-").FullName);
        try
        {
            if (!local.UsesNamespaces)
                throw new InvalidOperationException("the SSH rig needs network namespaces (root): " + string.Join("; ", local.Limitations));
            await rig.SetUpAsync(cancellation).ConfigureAwait(false);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Local.DisposeAsync().ConfigureAwait(false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    private async Task SetUpAsync(CancellationToken cancellation)
    {
        // sshd refuses to start without its privilege separation directory.
        System.IO.Directory.CreateDirectory("/run/sshd");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ddia-ssh-rig", "-f", ClientKey);
        File.WriteAllText(Path.Combine(Directory, "authorized_keys"), PublicKey(ClientKey) + "\n");

        var plain = new List<string>();
        var hashed = new List<string>();
        for (var i = 0; i < Local.Nodes.Length; i++)
        {
            var node = Local.Nodes[i];
            var nodeDirectory = Path.Combine(Directory, node.Name);
            System.IO.Directory.CreateDirectory(nodeDirectory);
            Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", node.Name, "-f", HostKeyPath(i));
            var config = Path.Combine(nodeDirectory, "sshd_config");
            File.WriteAllLines(config,
            [
                $"ListenAddress {node.Address}",
                string.Create(CultureInfo.InvariantCulture, $"Port {Port}"),
                $"HostKey {HostKeyPath(i)}",
                $"PidFile {Path.Combine(nodeDirectory, "sshd.own.pid")}",
                $"AuthorizedKeysFile {Path.Combine(Directory, "authorized_keys")}",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                // The key files live under /tmp, which is world-writable: StrictModes would refuse them.
                "StrictModes no",
                // Enough concurrent commands for tests that run many at once.
                "MaxSessions 20",
                "MaxStartups 100",
                "Subsystem sftp internal-sftp",
                // bash runs ~/.bashrc for commands that come over ssh, unless it is not the first shell: with SHLVL=1
                // from sshd it counts itself as the second. Root's .bashrc here costs seconds (pyenv init) per command.
                "SetEnv SHLVL=1",
                "LogLevel VERBOSE",
            ]);
            var entry = string.Create(CultureInfo.InvariantCulture, $"[{node.Address}]:{Port} {HostKey(i)}");
            (i % 2 == 0 ? plain : hashed).Add(entry);
            await Local.StartDaemonAsync(node, new Daemon(Sshd, ["-D", "-e", "-f", config], nodeDirectory,
                Path.Combine(nodeDirectory, "sshd.log"), Path.Combine(nodeDirectory, "sshd.pid")), cancellation).ConfigureAwait(false);
        }

        // ssh-keygen -H hashes the entries itself: an independent check of our reading of hashed known_hosts.
        var toHash = Path.Combine(Directory, "hashed_known_hosts");
        File.WriteAllLines(toHash, hashed);
        if (hashed.Count > 0)
            Run("ssh-keygen", "-q", "-H", "-f", toHash);
        File.WriteAllLines(KnownHostsFile, [.. plain, .. File.ReadAllLines(toHash)]);
        File.WriteAllLines(NodesFile,
        [
            "# host port user keyfile",
            .. Local.Nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Address} {Port} root {ClientKey}")),
        ]);

        foreach (var node in Local.Nodes)
            await WaitListeningAsync(node, cancellation).ConfigureAwait(false);
    }

    /// <summary>The private host key file of host <paramref name="index"/> (0-based); its .pub sits next to it.</summary>
    public string HostKeyPath(int index) => Path.Combine(Directory, Local.Nodes[index].Name, "host_key");

    private static string PublicKey(string privateKey)
    {
        // "ssh-ed25519 AAAA… comment": the type and key, without the comment.
        var words = File.ReadAllText(privateKey + ".pub").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"{words[0]} {words[1]}";
    }

    private async Task WaitListeningAsync(Node node, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(node.Address, Port, cancellation).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (clock.Elapsed < ListenWait)
            {
                await Task.Delay(20, cancellation).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                var log = Path.Combine(Directory, node.Name, "sshd.log");
                throw new InvalidOperationException(
                    $"sshd of {node.Name} does not listen on {node.Address}:{Port} after {ListenWait.TotalSeconds} s ({e.Message}); " +
                    $"its log: {(File.Exists(log) ? File.ReadAllText(log) : "(none)")}", e);
            }
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }
}
