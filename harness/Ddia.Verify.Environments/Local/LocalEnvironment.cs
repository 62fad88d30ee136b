using System.Globalization;
using Ddia.Verify.Abstractions;

namespace Ddia.Verify.Environments.Local;

/// <summary>
/// Nodes on this machine (DESIGN.md §6): as root each node runs in its own network namespace with its own address
/// on a bridge the session creates, so iptables inside a namespace partitions that node. Without root (or when
/// namespaces are refused) nodes share the host's network on loopback addresses and firewall faults are unavailable.
/// </summary>
public sealed class LocalEnvironment(LocalEnvironmentOptions? options = null) : IEnvironment
{
    /// <summary>Most nodes a session can have: node i gets host number 10+i in a /24.</summary>
    public const int MaxNodes = 244;

    public LocalEnvironmentOptions Options { get; } = options ?? new();

    /// <summary>Sweeps the leftovers of dead sessions, claims a free slot and sets up <paramref name="nodeCount"/> nodes.</summary>
    public async ValueTask<EnvironmentSession> OpenAsync(string testName, int nodeCount, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(testName);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, MaxNodes);
        Options.Validate();
        await SweepLeftoversAsync(Options, cancellation).ConfigureAwait(false);
        return await LocalSession.OpenAsync(Options, testName, nodeCount, cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes what sessions whose owner process has died left behind (processes, FORWARD rules, veths, namespaces,
    /// bridges, slot files): this is how a kill -9'd harness's leftovers vanish on the next start. Returns how many
    /// dead sessions were swept. Runs at the start of every <see cref="OpenAsync"/>.
    /// </summary>
    public static Task<int> SweepLeftoversAsync() => SweepLeftoversAsync(new LocalEnvironmentOptions(), CancellationToken.None);

    public static async Task<int> SweepLeftoversAsync(LocalEnvironmentOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = options.Slots;
        if (!Directory.Exists(directory))
            return 0;
        using var sweepLock = await Slots.LockSweepAsync(directory, cancellation).ConfigureAwait(false);
        return await Task.Run(() => Sweep(directory, options), cancellation).ConfigureAwait(false);
    }

    private static int Sweep(string directory, LocalEnvironmentOptions options)
    {
        var swept = 0;
        foreach (var (slot, path) in Slots.Existing(directory).ToList())
        {
            var owner = Slots.Read(path);
            if (owner is null)
            {
                // Unreadable: either being written this instant (leave it) or a claim whose writer died before writing.
                if (File.Exists(path) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > TimeSpan.FromMinutes(1))
                    File.Delete(path);
                continue;
            }
            if (owner.IsAlive)
                continue;
            SlotTeardown.Run(slot, new SlotNames(slot, options.SubnetPrefix), owner, path, network: true,
                Path.Combine(options.WorkRoot, slot.ToString(CultureInfo.InvariantCulture)), errors: []);
            swept++;
        }
        return swept;
    }
}
