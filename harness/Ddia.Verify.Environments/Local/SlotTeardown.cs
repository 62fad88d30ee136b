using System.Globalization;

namespace Ddia.Verify.Environments.Local;

/// <summary>
/// Removes everything a slot's session made: its processes, FORWARD rule, veths, namespaces, bridge, work directory
/// (node data and logs: the runner has copied the logs into the run's store by then) and slot file.
/// Shared by a session's own dispose and the sweep of a dead session's leftovers, so the two can never drift apart.
/// Every step is best effort: a failure is recorded and the next step still runs.
/// </summary>
internal static class SlotTeardown
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);

    /// <summary>The file where a session records each daemon's pid and start time (pid files alone cannot tell a reused pid).</summary>
    public static string DaemonRegistry(string workRoot, int slot) =>
        Path.Combine(workRoot, slot.ToString(CultureInfo.InvariantCulture), ".daemons");

    public static void Run(int slot, SlotNames names, SlotOwner owner, string slotFile, bool network, string workDirectory, List<string> errors)
    {
        Step(errors, "kill processes", () => KillProcesses(slot, names, owner, network));
        if (network && Environment.IsPrivilegedProcess)
        {
            Step(errors, "delete FORWARD rule", () => DeleteForwardRules(names, errors));
            Step(errors, "delete network", () => DeleteNetwork(names, errors));
        }
        // Before the slot file goes: once it is gone, a new session may claim the slot and its directory.
        Step(errors, "delete work directory", () =>
        {
            if (Directory.Exists(workDirectory)) Directory.Delete(workDirectory, recursive: true);
        });
        Step(errors, "delete slot file", () =>
        {
            // Only our owner's file: a slot file already replaced by a new owner is not ours to delete.
            if (Slots.Read(slotFile) is { } recorded && recorded.Pid == owner.Pid && recorded.StartTime == owner.StartTime)
                File.Delete(slotFile);
        });
    }

    /// <summary>Removes whatever network objects of this slot exist (also used before setting a slot up, against strays).</summary>
    public static void DeleteNetwork(SlotNames names, List<string> errors)
    {
        // Host veth ends first: deleting one end deletes the pair at once, whereas a deleted namespace lets go of its
        // veths asynchronously (the host end would vanish under our feet).
        var links = Links().ToList();
        foreach (var link in links.Where(names.IsHostVeth))
            Check(errors, Host.TryRun("ip", "link", "delete", link), $"ip link delete {link}");
        var namespaces = Host.TryRun("ip", "netns", "list");
        foreach (var line in namespaces.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = line.Split(' ')[0];
            if (names.IsNamespace(name))
                Check(errors, Host.TryRun("ip", "netns", "delete", name), $"ip netns delete {name}");
        }
        if (links.Contains(names.Bridge))
            Check(errors, Host.TryRun("ip", "link", "delete", names.Bridge), $"ip link delete {names.Bridge}");
    }

    private static void KillProcesses(int slot, SlotNames names, SlotOwner owner, bool network)
    {
        var targets = new Dictionary<int, long>();
        void Add(int pid, long? startTime)
        {
            if (pid > 1 && pid != Environment.ProcessId && startTime is { } start)
                targets.TryAdd(pid, start);
        }

        foreach (var (pid, start) in RegisteredDaemons(owner.WorkRoot, slot))
            if (Procfs.StartTime(pid) == start)
                Add(pid, start);
        // Pid files written by daemons themselves. A process that started before the owner cannot be the owner's
        // daemon: that guards against pids reused since.
        foreach (var pid in PidFiles(Path.Combine(owner.WorkRoot, slot.ToString(CultureInfo.InvariantCulture))))
            if (Procfs.StartTime(pid) is { } start && start >= owner.StartTime)
                Add(pid, start);
        foreach (var pid in Procfs.WithEnvironmentEntry(owner.Marker(slot)))
            Add(pid, Procfs.StartTime(pid));
        if (network && Environment.IsPrivilegedProcess)
        {
            // Whatever runs inside the slot's namespaces belongs to it, however it was started.
            foreach (var ns in Host.TryRun("ip", "netns", "list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = ns.Split(' ')[0];
                if (!names.IsNamespace(name))
                    continue;
                foreach (var pid in ParsePids(Host.TryRun("ip", "netns", "pids", name).Stdout))
                    Add(pid, Procfs.StartTime(pid));
            }
        }
        KillAndWait(targets);
    }

    /// <summary>SIGKILLs each process and its group, then waits (bounded) until each has exited.</summary>
    public static void KillAndWait(IReadOnlyDictionary<int, long> targets)
    {
        var deadline = Environment.TickCount64 + (long)ExitWait.TotalMilliseconds;
        while (true)
        {
            var running = targets.Where(t => Procfs.IsRunning(t.Key, t.Value)).Select(t => t.Key).ToList();
            if (running.Count == 0)
                return;
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException(
                    $"processes still running {ExitWait.TotalSeconds:0} s after SIGKILL: {string.Join(", ", running)}");
            foreach (var pid in running)
            {
                // The group first: a daemon's children (in its session) go with it.
                Native.TryKill(-pid, (int)Abstractions.Signal.Kill);
                Native.TryKill(pid, (int)Abstractions.Signal.Kill);
            }
            Thread.Sleep(10);
        }
    }

    private static void DeleteForwardRules(SlotNames names, List<string> errors)
    {
        var listing = Host.TryRun("iptables", "-w", "-S", "FORWARD");
        if (!listing.Succeeded)
            return;   // no iptables here, so no rule of ours either
        foreach (var rule in listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var comment = Array.IndexOf(words, "--comment");
            if (words is not ["-A", ..] || comment < 0 || comment + 1 >= words.Length || words[comment + 1].Trim('"') != names.RuleComment)
                continue;
            // iptables -S prints a rule the way -A takes it back, so -D takes it too. Our comments never need quoting.
            string[] delete = ["-w", "-D", .. words[1..]];
            Check(errors, Host.TryRun("iptables", delete), "iptables " + string.Join(' ', delete));
        }
    }

    private static IEnumerable<string> Links()
    {
        // "12: ddv3h1@if11: <BROADCAST,…" — the name is the second word, up to '@' or ':'.
        foreach (var line in Host.TryRun("ip", "-o", "link", "show").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 1)
                yield return words[1].Split('@')[0].TrimEnd(':');
        }
    }

    private static IEnumerable<(int Pid, long StartTime)> RegisteredDaemons(string workRoot, int slot)
    {
        var path = DaemonRegistry(workRoot, slot);
        if (!File.Exists(path))
            yield break;
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
                yield return (pid, start);
        }
    }

    private static IEnumerable<int> PidFiles(string workDirectory)
    {
        if (!Directory.Exists(workDirectory))
            return [];
        return Directory.EnumerateFiles(workDirectory, "*.pid", SearchOption.AllDirectories)
            .SelectMany(path => ParsePids(SafeRead(path)));
    }

    private static IEnumerable<int> ParsePids(string text) =>
        text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(word => int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 1);

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static void Check(List<string> errors, Abstractions.ExecResult result, string command)
    {
        if (!result.Succeeded)
            errors.Add($"`{command}` exited {result.ExitCode}: {result.Stderr.Trim()}");
    }

    private static void Step(List<string> errors, string what, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e)
        {
            errors.Add($"{what}: {e.Message}");
        }
    }
}
