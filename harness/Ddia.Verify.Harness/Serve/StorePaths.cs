namespace Ddia.Verify.Harness.Serve;

/// <summary>
/// Turns a path from a URL into a file or directory inside the store, or refuses. Walks the path one name at a time
/// from the store root: no "..", no ".", no empty name (an absolute path), and every symbolic link on the way must
/// land inside the store (<c>latest</c> does; a link to /etc does not).
/// </summary>
internal static class StorePaths
{
    private const int MaxLinks = 32;

    /// <summary>The full path <paramref name="relative"/> names under <paramref name="root"/> when it exists there, else null.</summary>
    public static string? Resolve(string root, string? relative)
    {
        try
        {
            root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
            var names = new Queue<string>(Names(relative ?? "") ?? throw new UnauthorizedAccessException());
            var current = root;
            var links = 0;
            while (names.TryDequeue(out var name))
            {
                var next = Path.Combine(current, name);
                FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
                if (!info.Exists && info.LinkTarget is null) return null;
                if (info.LinkTarget is { } target)
                {
                    // Follow the link by hand: its target, made absolute, must be inside the store, and is walked again.
                    var resolved = Path.GetFullPath(target, current);
                    if (++links > MaxLinks || !Inside(root, resolved)) return null;
                    var rest = names.ToList();
                    names.Clear();
                    foreach (var n in Names(Path.GetRelativePath(root, resolved)) ?? []) names.Enqueue(n);
                    foreach (var n in rest) names.Enqueue(n);
                    current = root;
                    continue;
                }
                current = next;
            }
            return current;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException)
        {
            return null;
        }
    }

    /// <summary>The names of a relative path; null when it has one that is not a plain name. One trailing slash is fine.</summary>
    private static List<string>? Names(string relative)
    {
        if (relative is "" or ".") return [];
        var names = relative.Replace('\\', '/').Split('/').ToList();
        if (names.Count > 1 && names[^1].Length == 0) names.RemoveAt(names.Count - 1);
        return names.All(n => n.Length > 0 && n != "." && n != ".." && !n.Contains('\0', StringComparison.Ordinal)) ? names : null;
    }

    private static bool Inside(string root, string path) =>
        path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
