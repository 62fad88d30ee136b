using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// The sweep of what killed harnesses left on the hosts. A harness that dies without its teardown (kill -9, a lost
/// machine) leaves daemons, firewall rules and its session directory there, and nothing on a remote host would ever
/// remove them. So every session writes its owner (this machine and the harness's pid and start time) into its
/// directory, and the next session opened from this machine removes each session whose owner is gone: its daemons (by
/// their marker), its directory, and the firewall rules of ours on that host. Sessions of live harnesses, and those
/// opened from other machines (whose pids mean nothing here), are left alone.
/// </summary>
public sealed partial class SshSession
{
    /// <summary>The file in a session directory naming its owner: "&lt;machine&gt; &lt;pid&gt;:&lt;starttime&gt;".</summary>
    internal const string OwnerFile = "owner";

    /// <summary>This machine, as owner files name it: its machine id, or its host name if it has none.</summary>
    private static readonly Lazy<string> ThisMachine = new(() =>
    {
        var id = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        return id.Length > 0 ? id : Environment.MachineName;
    });

    private string OwnerLine => $"{ThisMachine.Value} {options.Owner}";

    /// <summary>The sessions of gone harnesses of this machine that opening this one removed from the hosts (their ids);
    /// empty when there were none.</summary>
    public IReadOnlyList<string> Swept
    {
        get
        {
            lock (gate)
                return [.. swept];
        }
    }

    private readonly List<string> swept = [];

    internal static string MarkerOf(string sessionId) => $"DDIA_VERIFY_SSH_SESSION={sessionId}";

    private async Task SweepAsync(Node node, CancellationToken cancellation)
    {
        var connection = connections[IndexOf(node)];
        var root = ShellQuote.Quote(options.RemoteRoot.TrimEnd('/'));
        var listing = await connection.RunAsync(
            $"for f in {root}/*/{OwnerFile}; do [ -f \"$f\" ] && printf '%s %s\\n' \"$(basename \"$(dirname \"$f\")\")\" \"$(cat \"$f\")\"; done; true",
            cancellation).ConfigureAwait(false);
        if (!listing.Succeeded)
            throw new SshEnvironmentException($"{connection.Describe()}: cannot list the sessions under {options.RemoteRoot}: {listing.Stderr.Trim()}");
        var dead = new List<string>();
        foreach (var line in listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Split(' ') is [var session, var machine, var owner] && session != Id && machine == ThisMachine.Value
                && HarnessProcess.Parse(owner) is { IsAlive: false })
                dead.Add(session);
        }
        foreach (var session in dead)
        {
            await KillDaemonsAsync(connection, MarkerOf(session), cancellation).ConfigureAwait(false);
            var removed = await connection.RunAsync($"rm -rf {ShellQuote.Quote($"{options.RemoteRoot.TrimEnd('/')}/{session}")}", cancellation)
                .ConfigureAwait(false);
            if (!removed.Succeeded)
                throw new SshEnvironmentException($"{connection.Describe()}: cannot remove the leftover session {session}: {removed.Stderr.Trim()}");
        }
        // The rules carry no session; the one run at a time a host takes was the dead one.
        if (dead.Count > 0 && firewall[IndexOf(node)] != FirewallAccess.None)
            await DeleteRulesAsync(node, cancellation).ConfigureAwait(false);
        lock (gate)
            swept.AddRange(dead.Where(d => !swept.Contains(d)));
    }
}
