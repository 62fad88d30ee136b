namespace Ddia.Verify.Environments.Local;

/// <summary>Options of <see cref="LocalEnvironment"/>.</summary>
public sealed record LocalEnvironmentOptions
{
    /// <summary>Run nodes on loopback addresses without namespaces even as root (how the fallback is tested).
    /// The default value is false.</summary>
    public bool ForceLoopback { get; init; }

    /// <summary>Root of the per-session work directories (&lt;WorkRoot&gt;/&lt;slot&gt;/&lt;node&gt;).
    /// The default value is /tmp/ddia-verify.</summary>
    public string WorkRoot { get; init; } = "/tmp/ddia-verify";

    /// <summary>First two octets of the node subnets: slot k uses &lt;SubnetPrefix&gt;.k.0/24. The default value is 10.77.</summary>
    public string SubnetPrefix { get; init; } = "10.77";

    /// <summary>Where slot files live. The default (null) is /run/ddia-verify as root, otherwise a per-user temporary directory.</summary>
    public string? SlotDirectory { get; init; }

    internal string Slots => SlotDirectory ?? Local.Slots.DefaultDirectory;

    internal void Validate()
    {
        var octets = SubnetPrefix.Split('.');
        if (octets.Length != 2 || !octets.All(o => byte.TryParse(o, System.Globalization.CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"SubnetPrefix must be two octets such as 10.77, not '{SubnetPrefix}'");
        if (!Path.IsPathRooted(WorkRoot))
            throw new ArgumentException($"WorkRoot must be an absolute path, not '{WorkRoot}'");
    }
}
