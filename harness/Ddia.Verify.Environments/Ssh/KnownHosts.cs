using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// An OpenSSH known_hosts file: which host keys are trusted for which host. Understands comma-separated host
/// patterns with <c>*</c>, <c>?</c> and <c>!</c>, <c>[host]:port</c> for ports other than 22, hashed entries
/// (<c>|1|salt|hash</c>: HMAC-SHA1 of the host name keyed with the salt) and <c>@revoked</c>; <c>@cert-authority</c>
/// lines are skipped (host certificates are not supported).
/// </summary>
public sealed class KnownHosts
{
    private readonly List<Entry> entries;

    private KnownHosts(string path, List<Entry> entries)
    {
        Path = path;
        this.entries = entries;
    }

    public string Path { get; }

    /// <summary>Loads the file; a missing file is an empty one (every host is then unknown).</summary>
    public static KnownHosts Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(path) ? Parse(path, File.ReadAllText(path)) : new KnownHosts(path, []);
    }

    public static KnownHosts Parse(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<Entry>();
        var lines = text.Split('\n');
        for (var number = 1; number <= lines.Length; number++)
        {
            var fields = lines[number - 1].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
                continue;
            var revoked = false;
            if (fields[0].StartsWith('@'))
            {
                if (fields[0] != "@revoked")
                    continue;   // @cert-authority: certificates are not supported
                revoked = true;
                fields = fields[1..];
            }
            if (fields.Length < 3 || !TryBase64(fields[2], out var key))
                continue;   // OpenSSH skips lines it cannot read, too
            entries.Add(new Entry(fields[0], fields[1], key, revoked, number));
        }
        return new KnownHosts(path, entries);
    }

    /// <summary>The name under which OpenSSH records a host: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string HostName(string host, int port) =>
        port == 22 ? host : string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}");

    /// <summary>Whether <paramref name="key"/> (the SSH wire encoding of the public key) is trusted for the host.</summary>
    public HostKeyVerdict Check(string host, int port, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var name = HostName(host, port);
        var forHost = entries.Where(e => e.Matches(name)).ToList();
        if (forHost.Any(e => e.Revoked && e.Key.AsSpan().SequenceEqual(key)))
            return new HostKeyVerdict(HostKeyStatus.Revoked, forHost.First(e => e.Revoked).Line);
        var trusted = forHost.Where(e => !e.Revoked).ToList();
        if (trusted.FirstOrDefault(e => e.Key.AsSpan().SequenceEqual(key)) is { } match)
            return new HostKeyVerdict(HostKeyStatus.Trusted, match.Line);
        return trusted.Count == 0 ? new HostKeyVerdict(HostKeyStatus.Unknown, null) : new HostKeyVerdict(HostKeyStatus.Mismatch, trusted[0].Line);
    }

    /// <summary>The key types (ssh-ed25519, ssh-rsa, …) recorded for the host, so that the client can ask for those.</summary>
    public IReadOnlySet<string> KeyTypes(string host, int port)
    {
        var name = HostName(host, port);
        return entries.Where(e => !e.Revoked && e.Matches(name)).Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var written))
            return false;
        bytes = bytes[..written];
        return true;
    }

    private sealed record Entry(string Patterns, string KeyType, byte[] Key, bool Revoked, int Line)
    {
        public bool Matches(string name)
        {
            if (Patterns.StartsWith("|1|", StringComparison.Ordinal))
                return MatchesHashed(name);
            // A negated pattern that matches excludes the host whatever else matches.
            var matched = false;
            foreach (var pattern in Patterns.Split(','))
            {
                var negated = pattern.StartsWith('!');
                if (Wildcard(negated ? pattern[1..] : pattern, name))
                {
                    if (negated)
                        return false;
                    matched = true;
                }
            }
            return matched;
        }

        private bool MatchesHashed(string name)
        {
            var parts = Patterns.Split('|');   // "", "1", salt, hash
            if (parts.Length != 4 || !TryBase64(parts[2], out var salt) || !TryBase64(parts[3], out var hash))
                return false;
#pragma warning disable CA5350 // The known_hosts format fixes HMAC-SHA1; we only compare against what OpenSSH wrote.
            var computed = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
#pragma warning restore CA5350
            return CryptographicOperations.FixedTimeEquals(computed, hash);
        }

        // OpenSSH's pattern language: * any run of characters, ? one character, case-insensitive host names.
        private static bool Wildcard(string pattern, string name)
        {
            int p = 0, n = 0, star = -1, resume = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(name[n])))
                {
                    p++;
                    n++;
                }
                else if (p < pattern.Length && pattern[p] == '*')
                {
                    star = p++;
                    resume = n;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    n = ++resume;
                }
                else
                    return false;
            }
            while (p < pattern.Length && pattern[p] == '*')
                p++;
            return p == pattern.Length;
        }
    }
}

public enum HostKeyStatus
{
    Trusted,
    Unknown,
    Mismatch,
    Revoked,
}

/// <summary>The outcome of a check and the known_hosts line it rests on (null for an unknown host).</summary>
public sealed record HostKeyVerdict(HostKeyStatus Status, int? Line);
