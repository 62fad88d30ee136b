namespace Ddia.Verify.Environments.Docker;

/// <summary>The labels on everything a Docker session creates; the owner label's presence marks an object as ours.</summary>
internal static class DockerLabels
{
    /// <summary>Label with the owner, a <see cref="HarnessProcess"/> ("pid:starttime").</summary>
    public const string Owner = "ddia-verify.owner";

    /// <summary>Label with the session's name (the network's name; containers are &lt;session&gt;-&lt;node&gt;).</summary>
    public const string Session = "ddia-verify.session";

    /// <summary>Label with the test's name, for whoever lists containers by hand.</summary>
    public const string Test = "ddia-verify.test";
}
