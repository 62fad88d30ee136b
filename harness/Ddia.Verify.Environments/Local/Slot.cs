using System.Globalization;
using System.Text.Json;

namespace Ddia.Verify.Environments.Local;

/// <summary>Who holds a slot: written into the slot file when it is claimed, read by the sweep to tell live sessions
/// from dead ones.</summary>
internal sealed record SlotOwner(int Pid, long StartTime, string WorkRoot, string TestName)
{
    public static SlotOwner Current(string workRoot, string testName) =>
        new(Environment.ProcessId, Procfs.StartTime(Environment.ProcessId) ?? 0, workRoot, testName);

    /// <summary>Alive = the same process (pid and start time) still runs; a pid reused by another process does not count.</summary>
    public bool IsAlive => Procfs.IsRunning(Pid, StartTime);

    /// <summary>Environment entry given to every process a session starts, so that strays can be found and killed by it.</summary>
    public string Marker(int slot) => string.Create(CultureInfo.InvariantCulture, $"DDIA_VERIFY_SESSION={slot}:{Pid}:{StartTime}");
}

/// <summary>
/// Session slots: slot k owns the bridge ddv&lt;k&gt;, the namespaces ddv&lt;k&gt;-n&lt;i&gt;, the subnet
/// &lt;prefix&gt;.k.0/24 and the work directory &lt;workRoot&gt;/k. A slot is claimed by creating its file with O_EXCL,
/// so sessions in parallel (in one process or many) never share names.
/// </summary>
internal static class Slots
{
    public const int Count = 200;

    /// <summary>/run is root's; without root the slots live in a per-user temporary directory.</summary>
    public static string DefaultDirectory => Environment.IsPrivilegedProcess
        ? "/run/ddia-verify"
        : Path.Combine(Path.GetTempPath(), $"ddia-verify-slots-{Environment.UserName}");

    public static string FilePath(string directory, int slot) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"slot-{slot}.json"));

    public static int Claim(string directory, SlotOwner owner)
    {
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.SerializeToUtf8Bytes(owner);
        for (var slot = 1; slot <= Count; slot++)
        {
            var path = FilePath(directory, slot);
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                continue;   // taken
            }
            using (file)
                file.Write(json);
            return slot;
        }
        throw new InvalidOperationException(
            $"all {Count} session slots in {directory} are taken by live sessions; close some (or remove stale slot files) and retry");
    }

    /// <summary>The owner recorded in a slot file; null if it is unreadable (being written right now, or corrupt).</summary>
    public static SlotOwner? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SlotOwner>(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static IEnumerable<(int Slot, string Path)> Existing(string directory)
    {
        if (!Directory.Exists(directory))
            yield break;
        foreach (var path in Directory.EnumerateFiles(directory, "slot-*.json"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (int.TryParse(name.AsSpan("slot-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
                && slot is >= 1 and <= Count)
                yield return (slot, path);
        }
    }

    /// <summary>
    /// Serialises sweeps across processes: two sweepers of one dead slot could otherwise interleave so that one deletes
    /// what a new owner of the slot just created. flock (FileShare.None) is released by the kernel if the holder dies.
    /// </summary>
    public static async Task<FileStream> LockSweepAsync(string directory, CancellationToken cancellation)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "sweep.lock");
        var deadline = Environment.TickCount64 + 60_000;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                await Task.Delay(25, cancellation).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>The names and addresses of one slot (all interface names stay within Linux's 15 characters).</summary>
internal sealed record SlotNames(int Slot, string SubnetPrefix)
{
    public string Bridge => Format($"ddv{Slot}");

    public string Namespace(int node) => Format($"ddv{Slot}-n{node}");

    public string HostVeth(int node) => Format($"ddv{Slot}h{node}");

    public string NodeVeth(int node) => Format($"ddv{Slot}n{node}");

    public string BridgeAddress => Format($"{SubnetPrefix}.{Slot}.1");

    public string NodeAddress(int node) => Format($"{SubnetPrefix}.{Slot}.{10 + node}");

    /// <summary>Loopback mode: the slot is in the address too, so parallel loopback sessions never share a port.</summary>
    public string LoopbackAddress(int node) => Format($"127.0.{Slot}.{10 + node}");

    public string RuleComment => Format($"ddia-verify-{Slot}");

    public bool IsNamespace(string name) => IsIndexed(name, Format($"ddv{Slot}-n"));

    public bool IsHostVeth(string name) => IsIndexed(name, Format($"ddv{Slot}h"));

    private static bool IsIndexed(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name.AsSpan(prefix.Length).ContainsOnlyDigits();

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

internal static class SpanDigits
{
    public static bool ContainsOnlyDigits(this ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');
}
