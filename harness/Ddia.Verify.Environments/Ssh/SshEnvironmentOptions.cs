namespace Ddia.Verify.Environments.Ssh;

/// <summary>Options of <see cref="SshEnvironment"/>.</summary>
public sealed record SshEnvironmentOptions
{
    /// <summary>The nodes file (see <see cref="Ssh.NodesFile"/>): one <c>host port user keyfile</c> line per node.</summary>
    public required string NodesFile { get; init; }

    /// <summary>Where trusted host keys are listed. The default value is ~/.ssh/known_hosts.</summary>
    public string KnownHostsFile { get; init; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>Refuse hosts whose key is not in <see cref="KnownHostsFile"/> (true) or accept any key (false).
    /// The default value is true.</summary>
    public bool StrictHostKeyChecking { get; init; } = true;

    /// <summary>Parent of the session directories on the hosts (&lt;RemoteRoot&gt;/&lt;test&gt;-&lt;stamp&gt;/&lt;node&gt;).
    /// The default value is /tmp/ddia-verify-ssh.</summary>
    public string RemoteRoot { get; init; } = "/tmp/ddia-verify-ssh";

    /// <summary>Programs on the harness's machine (absolute paths) that every host gets before the test: each is
    /// uploaded once per content to <see cref="ProgramPath"/> and kept there for later sessions.</summary>
    public IReadOnlyList<string> Programs { get; init; } = [];

    /// <summary>Where <paramref name="localProgram"/> is on the hosts: &lt;RemoteRoot&gt;/bin/&lt;content hash&gt;/&lt;file
    /// name&gt;, so a changed program never replaces one a running node uses, and an unchanged one is not sent again.</summary>
    public string ProgramPath(string localProgram)
    {
        var info = new FileInfo(localProgram);
        // The node program is 100 MB and a campaign asks for its path several times per run (composing, opening):
        // hash each version of the file once.
        var hash = ContentHashes.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc), static key =>
        {
            using var file = File.OpenRead(key.Path);
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file))[..16];
        });
        return $"{RemoteRoot.TrimEnd('/')}/bin/{hash}/{Path.GetFileName(localProgram)}";
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, long Length, DateTime Written), string> ContentHashes = new();

    /// <summary>One connection attempt (TCP, key exchange, authentication). The default value is 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per connection, with exponential backoff in between. The default value is 4.</summary>
    public int ConnectAttempts { get; init; } = 4;

    /// <summary>One upload or download attempt. The default value is 2 minutes.</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Keepalives notice a dead connection between commands. The default value is 15 seconds.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The harness process that owns the sessions opened with these options (written into each session directory,
    /// so a later harness of this machine sweeps the sessions whose owner is gone). This process; tests name a finished
    /// one to leave sessions as a killed harness does.</summary>
    internal HarnessProcess Owner { get; init; } = HarnessProcess.Current;

    /// <summary>Leave the session directories on the hosts at dispose (for debugging). The default value is false.</summary>
    public bool KeepRemoteDirectories { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(NodesFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(KnownHostsFile);
        if (!RemoteRoot.StartsWith('/') || RemoteRoot.TrimEnd('/').Length == 0)
            throw new ArgumentException($"RemoteRoot must be an absolute path other than /, not '{RemoteRoot}'");
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectAttempts, 1);
        foreach (var program in Programs)
            if (!Path.IsPathRooted(program) || !File.Exists(program))
                throw new FileNotFoundException($"program '{program}' for the ssh hosts does not exist (an absolute path is required)", program);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TransferTimeout, TimeSpan.Zero);
    }
}
