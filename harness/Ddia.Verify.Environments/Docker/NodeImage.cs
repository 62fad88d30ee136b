using System.Collections.Concurrent;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ddia.Verify.Environments.Local;
using Docker.DotNet.Models;

namespace Ddia.Verify.Environments.Docker;

/// <summary>
/// The node image: a root filesystem made of host files (the programs asked for, the tools every node needs, and each
/// library ldd lists for them), every file at its host path, and /etc/passwd and /etc/group naming root and the users
/// asked for, imported into the engine (no registry, no base image) and
/// tagged by a hash of its contents, so an unchanged set of files is imported once.
/// </summary>
internal static class NodeImage
{
    public const string Repository = "ddia-verify-node";

    /// <summary>Label on every image we import (docker images --filter label=ddia-verify.image lists them).</summary>
    public const string Label = "ddia-verify.image";

    /// <summary>What every node needs: a shell for daemon start-up and signals, and the commands systems and the
    /// harness run through ExecAsync. <c>sleep infinity</c> is each container's main process (under docker-init).</summary>
    private static readonly string[] BaseTools = ["/bin/sh", "/usr/bin/cat", "/usr/bin/kill", "/usr/bin/sleep", "/usr/bin/mkdir", "/usr/bin/rm",
        "/usr/bin/ls"];

    /// <summary>iptables resolves its matches and targets (DROP, statistic, comment) from these modules at run time; ldd does
    /// not list them.</summary>
    private static readonly string[] FirewallTools = ["/usr/sbin/iptables", "/usr/lib/x86_64-linux-gnu/xtables"];

    // One import at a time in-process; a file's hash is kept while its size and modification time stay the same.
    private static readonly SemaphoreSlim Building = new(1, 1);
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), string> FileHashes = new();

    /// <summary>The image's tag (repository:hash), imported now unless the engine already has it.</summary>
    public static async Task<string> EnsureAsync(DockerControl control, DockerEnvironmentOptions options, CancellationToken cancellation)
    {
        // Under the lock also the collection: sessions opening in parallel share one round of ldd (seconds on a loaded machine).
        await Building.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var tree = await Task.Run(() => Collect(options), cancellation).ConfigureAwait(false);
            var tag = Repository + ":" + Hash(tree);
            if (await ExistsAsync(control, tag, cancellation).ConfigureAwait(false))
                return tag;
            Directory.CreateDirectory(options.WorkRoot);
            // The pid in the name: another harness may be building the same image right now.
            var tarPath = Path.Combine(options.WorkRoot, string.Create(CultureInfo.InvariantCulture, $"image-{tag.Split(':')[1]}-{Environment.ProcessId}.tar"));
            var progress = new ImportProgress();
            try
            {
                await WriteTarAsync(tree, tarPath, cancellation).ConfigureAwait(false);
                await control.RunAsync(async c =>
                {
                    await using var tar = File.OpenRead(tarPath);
                    await control.Client.Images.CreateImageAsync(
                        new ImagesCreateParameters
                        {
                            FromSrc = "-",
                            Repo = Repository,
                            Tag = tag.Split(':')[1],
                            Changes = [$"LABEL {Label}=1"],
                        },
                        tar, null, progress, c).ConfigureAwait(false);
                }, cancellation).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(tarPath);
            }
            // The import's progress stream carries errors as messages, not as a status code: check it took.
            if (!await ExistsAsync(control, tag, cancellation).ConfigureAwait(false))
                throw new InvalidOperationException($"docker import of the node image {tag} failed: {progress.Error ?? "no error reported, but the image does not exist"}");
            return tag;
        }
        finally
        {
            Building.Release();
        }
    }

    /// <summary>Keeps the error the engine reports in the import's progress stream (synchronously, unlike Progress&lt;T&gt;).</summary>
    private sealed class ImportProgress : IProgress<JSONMessage>
    {
        public string? Error { get; private set; }

        public void Report(JSONMessage value)
        {
            if ((value.Error?.Message ?? value.ErrorMessage) is { Length: > 0 } error)
                Error = error;
        }
    }

    private static async Task<bool> ExistsAsync(DockerControl control, string tag, CancellationToken cancellation)
    {
        try
        {
            await control.RunAsync(async c => await control.Client.Images.InspectImageAsync(tag, c).ConfigureAwait(false), cancellation)
                .ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (DockerControl.IsNotFound(e))
        {
            return false;
        }
    }

    /// <summary>The root filesystem: image path → what it is. Directories the engine needs (/tmp, /run for iptables' lock,
    /// /proc, /sys, /dev, /etc) are there even when no file is in them.</summary>
    internal static SortedDictionary<string, TreeEntry> Collect(DockerEnvironmentOptions options)
    {
        var tree = new Tree();
        foreach (var directory in (string[])["/tmp", "/run", "/proc", "/sys", "/dev", "/etc"])
            tree.AddDirectory(directory);
        IEnumerable<string> paths = [.. BaseTools, .. options.Firewall ? FirewallTools : [], .. options.Programs];
        foreach (var path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
                throw new FileNotFoundException($"'{path}' is to go into the Docker node image but does not exist on this host", path);
            tree.Add(path);
        }
        tree.AddLibraries(options.WorkRoot);
        var (passwd, group) = Accounts(options.Users, File.ReadAllLines("/etc/passwd"), File.ReadAllLines("/etc/group"));
        tree.AddContent("/etc/passwd", passwd);
        tree.AddContent("/etc/group", group);
        return tree.Entries;
    }

    /// <summary>The image's /etc/passwd and /etc/group: the host's lines for root and for each user (its primary group in
    /// /etc/group), in the host's order.</summary>
    /// <exception cref="ArgumentException">a user is not in the host's /etc/passwd.</exception>
    internal static (string Passwd, string Group) Accounts(IReadOnlyList<string> users, string[] hostPasswd, string[] hostGroup)
    {
        static string[] Fields(string line) => line.Split(':');
        var wanted = new HashSet<string>(["root", .. users], StringComparer.Ordinal);
        var passwd = hostPasswd.Where(l => wanted.Contains(Fields(l)[0])).ToList();
        if (users.FirstOrDefault(u => !passwd.Any(l => Fields(l)[0] == u)) is { } missing)
            throw new ArgumentException($"user '{missing}' is to be in the Docker node image but is not in this host's /etc/passwd");
        // passwd's fourth field is the primary group's gid, group's third field a group's gid.
        var gids = passwd.Select(l => Fields(l)).Where(f => f.Length > 3).Select(f => f[3]).ToHashSet(StringComparer.Ordinal);
        var group = hostGroup.Where(l => Fields(l) is { Length: > 2 } f && gids.Contains(f[2]));
        return (string.Join('\n', passwd) + "\n", string.Join('\n', group) + "\n");
    }

    /// <summary>The host's iptables is there to be included (else the firewall is unavailable).</summary>
    public static bool HostHasIptables => File.Exists(FirewallTools[0]);

    private static string Hash(SortedDictionary<string, TreeEntry> tree)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, entry) in tree)
        {
            var content = entry switch
            {
                { Content: { } bytes } => Convert.ToHexStringLower(SHA256.HashData(bytes)),
                { Kind: EntryKind.File } => FileHash(entry.Source!),
                _ => entry.Target ?? "",
            };
            var mode = entry is { Kind: EntryKind.File, Source: { } source } && !OperatingSystem.IsWindows() ? ((int)File.GetUnixFileMode(source)).ToString(CultureInfo.InvariantCulture) : "";
            hash.AppendData(Encoding.UTF8.GetBytes($"{path}\0{entry.Kind}\0{content}\0{mode}\n"));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static string FileHash(string path)
    {
        var info = new FileInfo(path);
        return FileHashes.GetOrAdd((path, info.Length, info.LastWriteTimeUtc), _ =>
        {
            using var file = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(file));
        });
    }

    private static async Task WriteTarAsync(SortedDictionary<string, TreeEntry> tree, string tarPath, CancellationToken cancellation)
    {
        await using var output = File.Create(tarPath);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: false);
        // Sorted by path, so every directory comes before what is in it.
        foreach (var (path, entry) in tree)
        {
            var name = path.TrimStart('/');
            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    var mode = path is "/tmp" ? (UnixFileMode)0b1_111_111_111 : (UnixFileMode)0b111_101_101;
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, name + "/") { Mode = mode }, cancellation)
                        .ConfigureAwait(false);
                    break;
                case EntryKind.Symlink:
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = entry.Target! }, cancellation)
                        .ConfigureAwait(false);
                    break;
                case EntryKind.File when entry.Content is { } content:
                    await writer.WriteEntryAsync(
                        new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0b110_100_100, DataStream = new MemoryStream(content) },
                        cancellation).ConfigureAwait(false);
                    break;
                default:
                    await writer.WriteEntryAsync(entry.Source!, name, cancellation).ConfigureAwait(false);
                    break;
            }
        }
    }

    internal enum EntryKind { Directory, File, Symlink }

    /// <param name="Source">A file's host path.</param>
    /// <param name="Target">A link's target, as written on the host.</param>
    /// <param name="Content">A file made for the image (no host path): its bytes.</param>
    internal sealed record TreeEntry(EntryKind Kind, string? Source = null, string? Target = null, byte[]? Content = null);

    /// <summary>Host paths resolved component by component, so that every symbolic link on the way (/bin → usr/bin,
    /// /bin/sh → dash, /usr/sbin/iptables → /etc/alternatives/…) is in the image as a link, with its target.</summary>
    private sealed class Tree
    {
        private const int MaxLinks = 40;
        private readonly List<string> elfFiles = [];

        public SortedDictionary<string, TreeEntry> Entries { get; } = new(StringComparer.Ordinal);

        public void AddDirectory(string path) => Entries.TryAdd(path, new TreeEntry(EntryKind.Directory));

        /// <summary>A file made for the image, in place of any host file at that path.</summary>
        public void AddContent(string path, string text) => Entries[path] = new TreeEntry(EntryKind.File, Content: Encoding.UTF8.GetBytes(text));

        public void Add(string path, int links = 0)
        {
            if (links > MaxLinks)
                throw new IOException($"too many levels of symbolic links resolving '{path}' for the Docker node image");
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var current = "/";
            for (var i = 0; i < parts.Length; i++)
            {
                var next = current == "/" ? "/" + parts[i] : current + "/" + parts[i];
                if (new FileInfo(next).LinkTarget is { } target)
                {
                    Entries.TryAdd(next, new TreeEntry(EntryKind.Symlink, Target: target));
                    var resolved = Path.GetFullPath(target, current);
                    var rest = string.Join('/', parts[(i + 1)..]);
                    Add(rest.Length == 0 ? resolved : resolved.TrimEnd('/') + "/" + rest, links + 1);
                    return;
                }
                if (i < parts.Length - 1)
                    AddDirectory(next);
                current = next;
            }
            if (Directory.Exists(current))
                AddTree(current, links);
            else
                AddFile(current);
        }

        private void AddTree(string directory, int links)
        {
            AddDirectory(directory);
            foreach (var child in Directory.EnumerateFileSystemEntries(directory))
            {
                if (new FileInfo(child).LinkTarget is not null || File.Exists(child))
                    Add(child, links);
                else
                    AddTree(child, links);
            }
        }

        private void AddFile(string path)
        {
            if (!Entries.TryAdd(path, new TreeEntry(EntryKind.File, Source: path)))
                return;
            if (IsElf(path))
                elfFiles.Add(path);
        }

        /// <summary>ldd lists the transitive closure, so only the files asked for are asked about (not the libraries it
        /// names), all in one ldd.</summary>
        public void AddLibraries(string workRoot)
        {
            foreach (var libraries in LibraryCache.Resolve(elfFiles.ToList(), workRoot, Ldd).Values)
                foreach (var library in libraries)
                    Add(library);
        }

        private static bool IsElf(string path)
        {
            Span<byte> magic = stackalloc byte[4];
            using var file = File.OpenRead(path);
            return file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("\u007fELF"u8);
        }

        /// <summary>The absolute paths in ldd's answer for each file: a "FILE:" line, then "libc.so.6 => /lib/…/libc.so.6 (0x…)"
        /// and "/lib64/ld-linux-x86-64.so.2 (0x…)" lines; none for a static file ("not a dynamic executable", which also makes
        /// ldd exit non-zero, so its exit code says nothing about the others).</summary>
        private static Dictionary<string, List<string>> Ldd(List<string> files)
        {
            var found = files.ToDictionary(f => f, _ => new List<string>(), StringComparer.Ordinal);
            if (files.Count == 0)
                return found;
            var result = ProcessRunner.Run(ProcessRunner.StartInfo("ldd", files), TimeSpan.FromMinutes(2));
            List<string>? current = files.Count == 1 ? found[files[0]] : null;
            foreach (var line in result.Stdout.Split('\n'))
            {
                if (line.Length == 0)
                    continue;
                if (!char.IsWhiteSpace(line[0]))
                {
                    found.TryGetValue(line.TrimEnd(':'), out current);
                    continue;
                }
                if (line.Split(' ', '\t').FirstOrDefault(word => word.StartsWith('/')) is { } library)
                    current?.Add(library);
            }
            return found;
        }
    }
}
