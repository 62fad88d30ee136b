using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Environments.Local;

namespace Ddia.Verify.Environments.Tests.Local;

/// <summary>Looks at the real machine: namespaces, links, FORWARD rules, processes.</summary>
internal static class Machine
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static string Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    public static IReadOnlyList<string> Namespaces() =>
        [.. Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])];

    public static IReadOnlyList<string> Links() =>
        [.. Run("ip", "-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].Split('@')[0].TrimEnd(':'))];

    public static string ForwardRules() => Run("iptables", "-w", "-S", "FORWARD");

    public static bool HasForwardRule(int slot) =>
        ForwardRules().Split('\n').Any(line => line.Split(' ').Contains(Comment(slot)));

    private static string Comment(int slot) => string.Create(CultureInfo.InvariantCulture, $"ddia-verify-{slot}");

    /// <summary>Nothing of <paramref name="slot"/> is left on the machine.</summary>
    public static void AssertSlotGone(int slot)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"ddv{slot}");
        Assert.DoesNotContain(Namespaces(), n => n.StartsWith(prefix + "-", StringComparison.Ordinal));
        Assert.DoesNotContain(Links(), l => l == prefix || l.StartsWith(prefix + "h", StringComparison.Ordinal));
        Assert.False(HasForwardRule(slot), ForwardRules());
        Assert.False(File.Exists(string.Create(CultureInfo.InvariantCulture, $"/run/ddia-verify/slot-{slot}.json")));
    }

    /// <summary>State letter from /proc/&lt;pid&gt;/stat, or null when the process is gone; a zombie counts as gone.</summary>
    public static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is 'Z' or 'X' ? null : state;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Process group id from /proc/&lt;pid&gt;/stat (field 5).</summary>
    public static int ProcessGroup(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
    }

    public static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Patience, $"not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>Opens a session named after the calling test.</summary>
    public static async Task<LocalSession> OpenAsync(int nodes, LocalEnvironmentOptions? options = null,
        [CallerMemberName] string test = "") =>
        (LocalSession)await new LocalEnvironment(options).OpenAsync(test, nodes, CancellationToken.None);

    /// <summary>bash's /dev/tcp connect from a node, given one second: 0 connected, 1 refused, 124 timed out (dropped).</summary>
    public static async Task<ExecResult> ConnectAsync(IRemote remote, Node from, string address, int port)
    {
        var connect = string.Create(CultureInfo.InvariantCulture, $"exec 3<>/dev/tcp/{address}/{port}");
        return await remote.ExecAsync(from, ["timeout", "1", "bash", "-c", connect], CancellationToken.None);
    }
}
