namespace Ddia.Verify.Environments.Docker;

/// <summary>Options of <see cref="DockerEnvironment"/>.</summary>
public sealed record DockerEnvironmentOptions
{
    /// <summary>
    /// Host files and directories to put into the node image, each at its own host path (so a command line is the same
    /// as in the local environment), with every library <c>ldd</c> lists for them. A directory is taken whole: pass the
    /// publish directory of a self-contained .NET program, whose native libraries sit beside the executable. Symbolic
    /// links are kept as links and their targets included.
    /// </summary>
    public IReadOnlyList<string> Programs { get; init; } = [];

    /// <summary>
    /// Users of this host the image knows besides root: their /etc/passwd lines and their primary groups' /etc/group lines
    /// are copied into the image's, for daemons that refuse to run as root (PostgreSQL runs as postgres, by uid and gid as
    /// on this host, so bind-mounted files keep their owners). The default value is none.
    /// </summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>The Docker engine's API endpoint. The default value is unix:///var/run/docker.sock.</summary>
    public Uri Endpoint { get; init; } = new("unix:///var/run/docker.sock");

    /// <summary>Root of the host directories of sessions (&lt;WorkRoot&gt;/&lt;session&gt;/&lt;node&gt;), each bind-mounted into its node's
    /// container at the same path. The default value is /tmp/ddia-verify-docker.</summary>
    public string WorkRoot { get; init; } = "/tmp/ddia-verify-docker";

    /// <summary>Include the host's iptables (and its xtables modules) in the image, which partitions and packet loss need.
    /// The default value is true.</summary>
    public bool Firewall { get; init; } = true;

    /// <summary>How long one control-plane call (create, start, remove, an image import, a download) may take before it is
    /// retried. The default value is 60 seconds.</summary>
    public TimeSpan ControlTimeout { get; init; } = TimeSpan.FromSeconds(60);

    internal void Validate()
    {
        if (!Path.IsPathRooted(WorkRoot))
            throw new ArgumentException($"WorkRoot must be an absolute path, not '{WorkRoot}'");
        foreach (var program in Programs)
            if (!Path.IsPathRooted(program))
                throw new ArgumentException($"Programs must be absolute host paths, not '{program}'");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ControlTimeout, TimeSpan.Zero);
    }
}
