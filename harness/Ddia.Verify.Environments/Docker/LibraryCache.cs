using System.Globalization;
using System.Text.Json;

namespace Ddia.Verify.Environments.Docker;

/// <summary>
/// ldd's answers per file version (path, size, modification time), kept in memory and in &lt;WorkRoot&gt;/ldd-cache.json:
/// ldd runs the loader once per file (iptables alone brings over a hundred modules), which takes many seconds on a
/// loaded machine, so only the first open on a machine, or after a file changed, waits for it.
/// </summary>
internal static class LibraryCache
{
    private static readonly Lock Gate = new();
    private static Dictionary<string, List<string>>? known;

    /// <summary>The libraries of each of <paramref name="files"/>, asking <paramref name="ldd"/> only about those not known yet.</summary>
    public static Dictionary<string, List<string>> Resolve(IReadOnlyList<string> files, string workRoot,
        Func<List<string>, Dictionary<string, List<string>>> ldd)
    {
        var path = Path.Combine(workRoot, "ldd-cache.json");
        lock (Gate)
        {
            known ??= Load(path);
            var unknown = files.Where(f => !known.ContainsKey(Key(f))).Distinct(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                foreach (var (file, libraries) in ldd(unknown))
                    known[Key(file)] = libraries;
                Save(path, known);
            }
            return files.Distinct(StringComparer.Ordinal).ToDictionary(f => f, f => known.GetValueOrDefault(Key(f)) ?? [], StringComparer.Ordinal);
        }
    }

    private static string Key(string file)
    {
        var info = new FileInfo(file);
        return string.Create(CultureInfo.InvariantCulture, $"{file}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
    }

    private static Dictionary<string, List<string>> Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, List<string>>>(File.ReadAllBytes(path)) ?? [];
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return [];   // none yet, or unreadable: ask ldd again
        }
    }

    /// <summary>Written aside and renamed, so a reader in another process never sees half a file.</summary>
    private static void Save(string path, Dictionary<string, List<string>> entries)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.tmp");
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(entries));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a cache: the next process asks ldd again.
        }
    }
}
