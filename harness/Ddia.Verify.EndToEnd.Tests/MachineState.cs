using System.Diagnostics;

namespace Ddia.Verify.EndToEnd.Tests;

/// <summary>
/// What runs may leave on the machine: network namespaces, links and firewall rules named by our prefixes,
/// and node processes. The end-to-end tests run alone (make test runs them after every other test project),
/// so anything found here was left by them.
/// </summary>
internal static class MachineState
{
    /// <summary>The local environment's default work root, where every run's node directories live.</summary>
    private const string WorkRoot = "/tmp/ddia-verify/";

    public static IReadOnlyList<string> Leftovers()
    {
        var found = new List<string>();
        found.AddRange(Lines("ip", "netns", "list").Where(l => l.StartsWith("ddv", StringComparison.Ordinal)).Select(l => $"namespace {l}"));
        found.AddRange(Lines("ip", "-o", "link", "show").Select(l => l.Split(':', 3)).Where(p => p.Length > 1 && p[1].Trim().StartsWith("ddv", StringComparison.Ordinal))
            .Select(p => $"link {p[1].Trim()}"));
        found.AddRange(Lines("iptables", "-S").Where(l => l.Contains("ddia-verify", StringComparison.Ordinal)).Select(l => $"host rule {l}"));
        found.AddRange(NodeProcesses().Select(p => $"process {p}"));
        return found;
    }

    /// <summary>Nodes started by a run (reference nodes, etcd members, PostgreSQL's postmaster): their command lines name a
    /// data directory under the local environment's work root (other test projects start nodes elsewhere, under their
    /// own temp folders).</summary>
    public static IEnumerable<string> NodeProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (cmdline.Contains(WorkRoot, StringComparison.Ordinal)) yield return $"{pid}: {cmdline.Trim()}";
        }
    }

    /// <summary>The output lines of a command that must succeed.</summary>
    public static string[] Lines(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
