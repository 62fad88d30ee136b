using System.Globalization;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// The nodes file of <c>--env ssh</c>: one host per line, <c>host port user keyfile</c> separated by whitespace;
/// blank lines and lines starting with <c>#</c> are ignored. Line i (counting hosts only) is node n<i>i</i>.
/// </summary>
public static class NodesFile
{
    public static IReadOnlyList<SshHost> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodesFileException($"{path}: cannot read the nodes file: {e.Message}", e);
        }
        return Parse(path, text);
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="path"/> names the file in errors and anchors relative key paths.</summary>
    public static IReadOnlyList<SshHost> Parse(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var hosts = new List<SshHost>();
        var lines = text.Split('\n');
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            NodesFileException Error(string message) =>
                new(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: {message}"));
            if (fields.Length != 4)
                throw Error($"expected 4 fields (host port user keyfile), found {fields.Length}: '{line}'");
            var (host, portText, user, keyText) = (fields[0], fields[1], fields[2], fields[3]);
            if (host.StartsWith('[') && host.EndsWith(']'))
                host = host[1..^1];   // [::1] style; the port has its own field
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                throw Error($"port '{portText}' is not a number 1..65535");
            var keyFile = ExpandKeyPath(keyText, directory);
            if (!File.Exists(keyFile))
                throw Error($"key file '{keyText}' does not exist" + (keyFile == keyText ? "" : $" (looked for {keyFile})"));
            hosts.Add(new SshHost(host, port, user, keyFile));
        }
        if (hosts.Count == 0)
            throw new NodesFileException($"{path}: no hosts (expected lines of 'host port user keyfile')");
        return hosts;
    }

    private static string ExpandKeyPath(string key, string directory)
    {
        if (key == "~" || key.StartsWith("~/", StringComparison.Ordinal))
            key = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), key.Length > 2 ? key[2..] : "");
        return Path.IsPathRooted(key) ? key : Path.GetFullPath(Path.Combine(directory, key));
    }
}

/// <summary>A nodes file is missing, unreadable or wrong; the message names the file, line and field.</summary>
public sealed class NodesFileException : Exception
{
    public NodesFileException(string message) : base(message)
    {
    }

    public NodesFileException(string message, Exception inner) : base(message, inner)
    {
    }

    public NodesFileException()
    {
    }
}
