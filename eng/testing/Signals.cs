using System.Globalization;

namespace Ddia.Verify.Testing;

/// <summary>A precondition of the tests that interrupt a child process with SIGINT (Ctrl-C).</summary>
internal static class Signals
{
    /// <summary>
    /// Throws, saying why, when this process ignores SIGINT: every child inherits that through exec, so no child could be
    /// interrupted and the test would fail for a reason that is not the product's. A shell without job control (a script's
    /// <c>cmd &amp;</c>) starts its background jobs so.
    /// </summary>
    public static void ThrowIfSigintIsIgnored()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        if (line is null) return;
        var ignored = ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        const int Sigint = 2;
        if ((ignored & (1UL << (Sigint - 1))) != 0)
        {
            throw new InvalidOperationException(
                "SIGINT is ignored by the test process, and so by every process it starts: run the tests in the foreground, or from a shell " +
                "with job control (a script's background job, `cmd &`, ignores SIGINT)");
        }
    }
}
