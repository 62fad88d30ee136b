using System.Security.Cryptography;
using System.Text;
using Ddia.Verify.Environments.Ssh;

namespace Ddia.Verify.Environments.Tests.Ssh;

/// <summary>Nodes file, shell quoting and known_hosts: pure functions, checked without a network.</summary>
public sealed class ParsingTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ddia-ssh-parse-").FullName;

    public ParsingTests() => File.WriteAllText(Path.Combine(directory, "id_test"), "not really a key");

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string NodesPath => Path.Combine(directory, "nodes.txt");

    [Fact]
    public void NodesFile_ReadsHosts_SkippingCommentsAndBlankLines_AndResolvesRelativeKeys()
    {
        var hosts = NodesFile.Parse(NodesPath, "# cluster\n\n10.0.0.1 22 root id_test\n  db2.example   2222\tadmin  " +
            Path.Combine(directory, "id_test") + "  \r\n[::1] 22 u ./id_test\n");

        Assert.Equal(
        [
            new SshHost("10.0.0.1", 22, "root", Path.Combine(directory, "id_test")),
            new SshHost("db2.example", 2222, "admin", Path.Combine(directory, "id_test")),
            new SshHost("::1", 22, "u", Path.Combine(directory, "id_test")),
        ], hosts);
    }

    [Theory]
    [InlineData("10.0.0.1 22 root id_test\n10.0.0.2 x root id_test", "nodes.txt:2: port 'x' is not a number 1..65535")]
    [InlineData("# c\n\n10.0.0.1 0 root id_test", "nodes.txt:3: port '0' is not a number 1..65535")]
    [InlineData("10.0.0.1 65536 root id_test", "nodes.txt:1: port '65536' is not a number 1..65535")]
    [InlineData("10.0.0.1 22 root", "nodes.txt:1: expected 4 fields (host port user keyfile), found 3")]
    [InlineData("10.0.0.1 22 root id_test extra", "nodes.txt:1: expected 4 fields (host port user keyfile), found 5")]
    [InlineData("10.0.0.1 22 root id_test\n\n10.0.0.3 22 root missing_key", "nodes.txt:3: key file 'missing_key' does not exist")]
    [InlineData("# only a comment\n", "nodes.txt: no hosts")]
    public void NodesFile_Errors_NameFileLineAndField(string text, string expected)
    {
        var error = Assert.Throws<NodesFileException>(() => NodesFile.Parse(NodesPath, text));
        Assert.StartsWith(NodesPath[..^"nodes.txt".Length] + expected, error.Message);
    }

    [Fact]
    public void NodesFile_MissingFile_IsNamed()
    {
        var error = Assert.Throws<NodesFileException>(() => NodesFile.Read(Path.Combine(directory, "absent.txt")));
        Assert.Contains("absent.txt", error.Message);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "''")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("`id`", "'`id`'")]
    [InlineData("a\nb", "'a\nb'")]
    [InlineData("--comment", "--comment")]
    [InlineData("/tmp/ddia-verify-ssh/n1.log", "/tmp/ddia-verify-ssh/n1.log")]
    [InlineData("A=b", "'A=b'")]   // unquoted, a first word like this would be an assignment
    public void Quote_MakesOneLiteralWord(string argument, string expected) => Assert.Equal(expected, ShellQuote.Quote(argument));

    /// <summary>The real test of quoting: a local POSIX shell gets each argument back unchanged.</summary>
    [Fact]
    public void Quote_RoundTripsThroughSh()
    {
        var output = Sh("printf '[%s]\\n' " + ShellQuote.Join(Nasty));
        Assert.Equal(string.Concat(Nasty.Select(a => $"[{a}]\n")), output);
    }

    /// <summary>Arguments a shell would otherwise split, expand, substitute, glob or end a command at.</summary>
    public static readonly string[] Nasty =
    [
        "a b", "", "it's", "\"double\"", "$HOME", "${PATH}", "`id`", "$(id)", "line1\nline2", "back\\slash", "*", "~", ";", "&& echo pwned",
        "-n", "tab\there", "'", "''", "\\'", "ünïcödé", "!", "#not a comment", "a|b", "<in", ">out", "%s",
    ];

    [Fact]
    public void KnownHosts_MatchesPlainPortAndPatternEntries()
    {
        var key = Blob("ssh-ed25519", 1);
        var other = Blob("ssh-ed25519", 2);
        var hosts = KnownHosts.Parse("kh", $"""
            # comment
            10.0.0.1,db1 ssh-ed25519 {B64(key)} a comment
            [10.0.0.2]:2222 ssh-ed25519 {B64(key)}
            *.example,!bad.example ssh-ed25519 {B64(key)}
            10.0.0.3 ssh-ed25519 {B64(other)}
            @cert-authority * ssh-ed25519 {B64(other)}
            @revoked 10.0.0.4 ssh-ed25519 {B64(key)}
            10.0.0.4 ssh-ed25519 {B64(key)}
            garbage line
            """);

        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.1", 22, key).Status);
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("DB1", 22, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("10.0.0.1", 2222, key).Status);   // another port is another host
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.2", 2222, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("10.0.0.2", 22, key).Status);
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("a.example", 22, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("bad.example", 22, key).Status);
        Assert.Equal(new HostKeyVerdict(HostKeyStatus.Mismatch, 5), hosts.Check("10.0.0.3", 22, key));
        Assert.Equal(HostKeyStatus.Revoked, hosts.Check("10.0.0.4", 22, key).Status);
        Assert.Equal(["ssh-ed25519"], hosts.KeyTypes("10.0.0.1", 22));
    }

    [Fact]
    public void KnownHosts_MatchesHashedEntries()
    {
        var key = Blob("ssh-ed25519", 7);
        var salt = RandomNumberGenerator.GetBytes(20);
        string Hashed(string name) => $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(HmacSha1(salt, name))}";
        var hosts = KnownHosts.Parse("kh", $"{Hashed("[10.0.0.9]:2222")} ssh-ed25519 {B64(key)}\n{Hashed("10.0.0.8")} ssh-ed25519 {B64(key)}\n");

        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.9", 2222, key).Status);
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.8", 22, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("10.0.0.9", 22, key).Status);
        Assert.Equal(HostKeyStatus.Mismatch, hosts.Check("10.0.0.8", 22, Blob("ssh-ed25519", 8)).Status);
    }

#pragma warning disable CA5350 // known_hosts hashing is HMAC-SHA1 by definition
    private static byte[] HmacSha1(byte[] salt, string name) => HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
#pragma warning restore CA5350

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    // A key blob in SSH wire form (string type, string key); the bytes only need to differ between keys.
    private static byte[] Blob(string type, byte seed)
    {
        var name = Encoding.ASCII.GetBytes(type);
        return [0, 0, 0, (byte)name.Length, .. name, 0, 0, 0, 32, .. Enumerable.Repeat(seed, 32)];
    }

    private static string Sh(string script)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
